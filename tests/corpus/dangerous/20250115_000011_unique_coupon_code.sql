-- Migration: unique_coupon_code
-- Created: 2025-01-15
-- Description: Coupon codes are unique
-- Expect: require-concurrent-index-creation

BEGIN;

CREATE UNIQUE INDEX idx_coupons_code ON coupons(code);

COMMIT;
