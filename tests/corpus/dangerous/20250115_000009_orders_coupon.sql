-- Migration: orders_coupon
-- Created: 2025-01-15
-- Description: Orders may use a coupon
-- Expect: constraint-missing-not-valid

BEGIN;

ALTER TABLE orders ADD COLUMN coupon_id BIGINT;
ALTER TABLE orders ADD CONSTRAINT orders_coupon_fk FOREIGN KEY (coupon_id) REFERENCES coupons(id);

COMMIT;
