-- Rollback: add_user_preferences
-- Created: 2024-12-27

BEGIN;

-- Drop table
DROP TABLE IF EXISTS user_preferences;

COMMIT;
