-- Rollback: create_users
-- Created: 2024-12-01

BEGIN;

DROP TABLE IF EXISTS users;

COMMIT;
