-- Migration: drop_orders_user_index
-- Created: 2025-01-15
-- Description: Index no longer used
-- Expect: require-concurrent-index-deletion

BEGIN;

DROP INDEX IF EXISTS idx_orders_user_id;

COMMIT;
