-- Migration: analyze_orders
-- Created: 2025-01-15
-- Description: Refresh statistics

BEGIN;

ANALYZE orders;

COMMIT;
