-- Migration: check_users_status
-- Created: 2025-01-05
-- Description: Contract, step 1: a NOT VALID check is instant (existing rows are not scanned).

BEGIN;

ALTER TABLE users ADD CONSTRAINT users_status_not_null CHECK (status IS NOT NULL) NOT VALID;

COMMIT;
