-- Migration: long_statement
-- Created: 2025-01-15
-- Description: Allow the big update
-- Expect: timeout-disabled

BEGIN;

SET statement_timeout TO DEFAULT;
UPDATE orders SET note = '' WHERE note IS NULL AND id < 1000;

COMMIT;
