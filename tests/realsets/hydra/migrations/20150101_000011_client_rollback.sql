ALTER TABLE hydra_client DROP COLUMN audience;
