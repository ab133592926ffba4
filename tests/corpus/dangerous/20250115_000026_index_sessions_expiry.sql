-- Migration: index_sessions_expiry
-- Created: 2025-01-15
-- Description: Index in a transaction
-- Expect: concurrently-in-transaction

BEGIN;

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_sessions_expires_at ON sessions(expires_at);

COMMIT;
