-- Migration: comment_orders
-- Created: 2025-01-15
-- Description: Document a table

BEGIN;

COMMENT ON TABLE orders IS 'One row per checkout';

COMMIT;
