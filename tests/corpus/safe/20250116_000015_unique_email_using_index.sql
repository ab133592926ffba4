-- Migration: unique_email_using_index
-- Created: 2025-01-15
-- Description: Unique constraint from an existing index

BEGIN;

ALTER TABLE users ADD CONSTRAINT users_email_key UNIQUE USING INDEX users_email_idx;

COMMIT;
