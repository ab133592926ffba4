ALTER TABLE hydra_oauth2_consent_request_handled ADD handled_at timestamp NULL;

