-- Migration: bio_drop_not_null
-- Created: 2025-01-15
-- Description: Relax a constraint

BEGIN;

ALTER TABLE users ALTER COLUMN bio DROP NOT NULL;

COMMIT;
