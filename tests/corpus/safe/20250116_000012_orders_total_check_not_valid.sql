-- Migration: orders_total_check_not_valid
-- Created: 2025-01-15
-- Description: CHECK without validation

BEGIN;

ALTER TABLE orders ADD CONSTRAINT orders_total_positive CHECK (total >= 0) NOT VALID;

COMMIT;
