-- Migration: short_lock_timeout
-- Created: 2025-01-15
-- Description: Tighter lock timeout for this change

BEGIN;

SET LOCAL lock_timeout = '1s';
ALTER TABLE orders ADD COLUMN gift BOOLEAN;

COMMIT;
