ALTER TABLE hydra_client DROP COLUMN created_at;
ALTER TABLE hydra_client DROP COLUMN updated_at;
