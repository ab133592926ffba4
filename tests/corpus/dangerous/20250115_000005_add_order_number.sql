-- Migration: add_order_number
-- Created: 2025-01-15
-- Description: Sequential order numbers
-- Expect: volatile-default

BEGIN;

ALTER TABLE orders ADD COLUMN order_number BIGSERIAL;

COMMIT;
