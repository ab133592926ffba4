ALTER TABLE hydra_client DROP COLUMN subject_type;
