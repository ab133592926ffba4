-- Migration: touch_function
-- Created: 2025-01-15
-- Description: A trigger function

BEGIN;

CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.updated_at := now();
    RETURN NEW;
END;
$$;

COMMIT;
