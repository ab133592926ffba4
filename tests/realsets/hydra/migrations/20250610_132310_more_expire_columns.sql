ALTER TABLE hydra_oauth2_authentication_session ADD COLUMN expires_at TIMESTAMP NULL;
