-- Migration: add_currency
-- Created: 2025-01-15
-- Description: Constant text default

BEGIN;

ALTER TABLE orders ADD COLUMN currency TEXT NOT NULL DEFAULT 'EUR';

COMMIT;
