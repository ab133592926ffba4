-- Migration: add_nickname
-- Created: 2025-01-15
-- Description: Nullable column

BEGIN;

ALTER TABLE users ADD COLUMN nickname TEXT NULL;

COMMIT;
