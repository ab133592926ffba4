-- Migration: add_updated_at
-- Created: 2025-01-15
-- Description: STABLE default

BEGIN;

ALTER TABLE orders ADD COLUMN updated_at TIMESTAMP WITH TIME ZONE DEFAULT now();

COMMIT;
