-- Migration: index_orders_created_at
-- Created: 2025-01-15
-- Description: Index without blocking writes

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_orders_created_at ON orders(created_at);
