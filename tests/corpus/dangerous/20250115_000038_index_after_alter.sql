-- Migration: index_after_alter
-- Created: 2025-01-15
-- Description: Add and index a column
-- Expect: blocking-scan, require-concurrent-index-creation

BEGIN;

ALTER TABLE orders ADD COLUMN region TEXT;
CREATE INDEX idx_orders_region ON orders(region);

COMMIT;
