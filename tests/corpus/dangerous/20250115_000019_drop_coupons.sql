-- Migration: drop_coupons
-- Created: 2025-01-15
-- Description: Coupons are gone
-- Expect: ban-drop-table

BEGIN;

DROP TABLE IF EXISTS coupons;

COMMIT;
