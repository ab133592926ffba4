-- Migration: lock_orders
-- Created: 2025-01-15
-- Description: Keep orders still while we change them
-- Expect: lock-table

BEGIN;

LOCK TABLE orders IN EXCLUSIVE MODE;
ALTER TABLE orders ADD COLUMN archived BOOLEAN;

COMMIT;
