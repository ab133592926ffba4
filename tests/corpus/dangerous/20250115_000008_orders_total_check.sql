-- Migration: orders_total_check
-- Created: 2025-01-15
-- Description: Totals are never negative
-- Expect: constraint-missing-not-valid

BEGIN;

ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0);

COMMIT;
