ALTER TABLE hydra_client DROP COLUMN metadata;
