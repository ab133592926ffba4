-- Migration: add_synced_at
-- Created: 2025-01-15
-- Description: Track sync time
-- Expect: volatile-default

BEGIN;

ALTER TABLE orders ADD COLUMN synced_at TIMESTAMP WITH TIME ZONE DEFAULT clock_timestamp();

COMMIT;
