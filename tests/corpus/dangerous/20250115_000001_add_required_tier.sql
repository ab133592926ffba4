-- Migration: add_required_tier
-- Created: 2025-01-15
-- Description: Add a required tier column
-- Expect: adding-required-field

BEGIN;

ALTER TABLE users ADD COLUMN tier INTEGER NOT NULL;

COMMIT;
