ALTER TABLE hydra_client ADD audience TEXT;
