-- Migration: refresh_totals
-- Created: 2025-01-15
-- Description: Refresh totals
-- Expect: blocking-rewrite

BEGIN;

REFRESH MATERIALIZED VIEW order_totals;

COMMIT;
