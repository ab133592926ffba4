-- Migration: add_sample_weight
-- Created: 2025-01-15
-- Description: Random sampling weight
-- Expect: volatile-default

BEGIN;

ALTER TABLE orders ADD COLUMN sample_weight DOUBLE PRECISION DEFAULT random();

COMMIT;
