-- Migration: add_seen_at
-- Created: 2025-01-15
-- Description: CURRENT_TIMESTAMP default

BEGIN;

ALTER TABLE users ADD COLUMN seen_at TIMESTAMPTZ DEFAULT CURRENT_TIMESTAMP;

COMMIT;
