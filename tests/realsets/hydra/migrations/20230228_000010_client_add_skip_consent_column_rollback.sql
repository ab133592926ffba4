ALTER TABLE hydra_client DROP COLUMN skip_consent;
