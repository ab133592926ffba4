-- Migration: drop_old_index
-- Created: 2025-01-15
-- Description: Drop an index without blocking

DROP INDEX CONCURRENTLY IF EXISTS idx_orders_user_id;
