-- Migration: orders_user_fk_not_valid
-- Created: 2025-01-15
-- Description: FK without validation

BEGIN;

ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id) NOT VALID;

COMMIT;
