-- Migration: add_is_active
-- Created: 2025-01-15
-- Description: Constant default, NOT NULL

BEGIN;

ALTER TABLE users ADD COLUMN is_active BOOLEAN NOT NULL DEFAULT true;

COMMIT;
