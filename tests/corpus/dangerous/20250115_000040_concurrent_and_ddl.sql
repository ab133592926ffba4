-- Migration: concurrent_and_ddl
-- Created: 2025-01-15
-- Description: Index and column together
-- Expect: mixed-transaction

CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_users_last_login ON users(last_login);
ALTER TABLE users ADD COLUMN login_count BIGINT;
