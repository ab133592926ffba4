-- Migration: cluster_orders
-- Created: 2025-01-15
-- Description: Physically order by user
-- Expect: blocking-rewrite

BEGIN;

CLUSTER orders USING idx_orders_user_id;

COMMIT;
