-- Migration: no_lock_timeout
-- Created: 2025-01-15
-- Description: Make sure the change goes through
-- Expect: timeout-disabled

BEGIN;

SET lock_timeout = 0;
ALTER TABLE orders ADD COLUMN channel TEXT;

COMMIT;
