-- Migration: sessions_pk
-- Created: 2025-01-15
-- Description: Primary key on coupons code
-- Expect: disallowed-unique-constraint

BEGIN;

ALTER TABLE coupons ADD CONSTRAINT coupons_code_pk UNIQUE (code, id);

COMMIT;
