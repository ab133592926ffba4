-- Migration: orders_user_fk_validate
-- Created: 2025-01-15
-- Description: Validate the FK separately

BEGIN;

ALTER TABLE orders VALIDATE CONSTRAINT orders_user_id_fkey;

COMMIT;
