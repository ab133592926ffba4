-- Migration: seed_plans
-- Created: 2025-01-15
-- Description: Lookup table with seed rows

BEGIN;

CREATE TABLE IF NOT EXISTS plans (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);

INSERT INTO plans (code) VALUES ('free'), ('pro');

COMMIT;
