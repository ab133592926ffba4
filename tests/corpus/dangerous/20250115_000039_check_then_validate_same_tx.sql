-- Migration: check_then_validate_same_tx
-- Created: 2025-01-15
-- Description: NOT VALID then VALIDATE, but in one transaction
-- Expect: blocking-scan

BEGIN;

ALTER TABLE orders ADD CONSTRAINT orders_note_len CHECK (char_length(note) < 150) NOT VALID;
ALTER TABLE orders VALIDATE CONSTRAINT orders_note_len;

COMMIT;
