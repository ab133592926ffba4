ALTER TABLE hydra_oauth2_refresh ADD COLUMN access_token_signature VARCHAR(255) DEFAULT NULL;
