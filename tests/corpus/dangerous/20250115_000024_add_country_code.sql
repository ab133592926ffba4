-- Migration: add_country_code
-- Created: 2025-01-15
-- Description: Country code
-- Expect: prefer-timestamptz

BEGIN;

ALTER TABLE users ADD COLUMN last_seen TIMESTAMP;

COMMIT;
