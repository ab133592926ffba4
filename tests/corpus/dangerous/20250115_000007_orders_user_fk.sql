-- Migration: orders_user_fk
-- Created: 2025-01-15
-- Description: Reference users from orders
-- Expect: constraint-missing-not-valid

BEGIN;

ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users(id);

COMMIT;
