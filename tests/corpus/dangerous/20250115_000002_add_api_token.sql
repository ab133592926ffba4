-- Migration: add_api_token
-- Created: 2025-01-15
-- Description: Give every user an API token
-- Expect: volatile-default

BEGIN;

ALTER TABLE users ADD COLUMN api_token UUID DEFAULT gen_random_uuid();

COMMIT;
