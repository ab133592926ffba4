ALTER TABLE hydra_oauth2_consent_request DROP COLUMN acr;
