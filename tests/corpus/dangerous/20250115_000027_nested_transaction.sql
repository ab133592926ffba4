-- Migration: nested_transaction
-- Created: 2025-01-15
-- Description: Two steps
-- Expect: transaction-nesting

BEGIN;

ALTER TABLE users ADD COLUMN nickname TEXT;

BEGIN;
ALTER TABLE users ADD COLUMN locale TEXT;
COMMIT;

COMMIT;
