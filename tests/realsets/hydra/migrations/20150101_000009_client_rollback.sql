ALTER TABLE hydra_client ALTER COLUMN allowed_cors_origins DROP NOT NULL;
