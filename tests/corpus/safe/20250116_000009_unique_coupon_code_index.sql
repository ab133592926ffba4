-- Migration: unique_coupon_code_index
-- Created: 2025-01-15
-- Description: Unique index, concurrently

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_coupons_code ON coupons(code);
