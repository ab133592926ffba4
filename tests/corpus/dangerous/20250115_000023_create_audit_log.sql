-- Migration: create_audit_log
-- Created: 2025-01-15
-- Description: Audit log table
-- Expect: prefer-bigint-primary-key, prefer-timestamptz

BEGIN;

CREATE TABLE IF NOT EXISTS audit_log (
    id SERIAL PRIMARY KEY,
    user_id BIGINT,
    action TEXT NOT NULL,
    created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);

COMMIT;
