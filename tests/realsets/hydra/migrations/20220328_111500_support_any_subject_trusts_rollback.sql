ALTER TABLE hydra_oauth2_trusted_jwt_bearer_issuer
    DROP COLUMN allow_any_subject;
