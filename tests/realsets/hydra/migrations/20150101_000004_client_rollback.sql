ALTER TABLE hydra_client DROP COLUMN sector_identifier_uri;
ALTER TABLE hydra_client DROP COLUMN jwks;
ALTER TABLE hydra_client DROP COLUMN jwks_uri;
ALTER TABLE hydra_client DROP COLUMN token_endpoint_auth_method;
ALTER TABLE hydra_client DROP COLUMN request_uris;
ALTER TABLE hydra_client DROP COLUMN request_object_signing_alg;
ALTER TABLE hydra_client DROP COLUMN userinfo_signed_response_alg;
