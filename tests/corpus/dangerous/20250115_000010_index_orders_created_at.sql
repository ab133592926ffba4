-- Migration: index_orders_created_at
-- Created: 2025-01-15
-- Description: Speed up recent orders
-- Expect: require-concurrent-index-creation

BEGIN;

CREATE INDEX IF NOT EXISTS idx_orders_created_at ON orders(created_at);

COMMIT;
