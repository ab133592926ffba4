ALTER TABLE hydra_client DROP COLUMN allowed_cors_origins;
