-- Migration: pgcrypto
-- Created: 2025-01-15
-- Description: Extension for UUIDs

BEGIN;

CREATE EXTENSION IF NOT EXISTS pgcrypto;

COMMIT;
