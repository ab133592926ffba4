-- Migration: add_total_cents
-- Created: 2025-01-15
-- Description: Stored generated column
-- Expect: volatile-default

BEGIN;

ALTER TABLE orders ADD COLUMN total_cents BIGINT GENERATED ALWAYS AS ((total * 100)::bigint) STORED;

COMMIT;
