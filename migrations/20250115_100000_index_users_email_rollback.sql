-- Rollback: index_users_email
-- Created: 2025-01-15

DROP INDEX CONCURRENTLY IF EXISTS idx_users_email;
