ALTER TABLE hydra_oauth2_flow
    DROP COLUMN expires_at;
