-- Migration: index_users_email
-- Created: 2025-01-15
-- Description: Index users.email without blocking writes.
-- CREATE INDEX CONCURRENTLY cannot run inside a transaction, so this file has no BEGIN/COMMIT:
-- the engine runs it statement by statement and records how far it got.

CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS idx_users_email ON users (email);
