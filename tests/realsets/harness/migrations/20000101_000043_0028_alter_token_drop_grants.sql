ALTER TABLE tokens DROP COLUMN token_grants;
