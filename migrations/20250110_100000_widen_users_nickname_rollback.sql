-- Rollback: widen_users_nickname
-- Created: 2025-01-10

BEGIN;

ALTER TABLE users ADD COLUMN nickname VARCHAR(50);
UPDATE users SET nickname = LEFT(display_name, 50);
ALTER TABLE users DROP COLUMN display_name;

COMMIT;
