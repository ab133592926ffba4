-- Migration: typo_migration
-- Created: 2025-01-15
-- Description: A typo
-- Expect: syntax-error

BEGIN;

ALTER TABLE users ADD COLUMN pref TEXT;
ALTER TABEL users DROP COLUMN bio;

COMMIT;
