ALTER TABLE hydra_client DROP COLUMN rotated_secrets;
