-- Migration: backfill_batch
-- Created: 2025-01-15
-- Description: Backfill one batch

BEGIN;

UPDATE orders SET note = '' WHERE note IS NULL AND id BETWEEN 1 AND 5000;

COMMIT;
