-- Migration: rename_name
-- Created: 2025-01-15
-- Description: Clearer column name
-- Expect: renaming-column

BEGIN;

ALTER TABLE users RENAME COLUMN name TO full_name;

COMMIT;
