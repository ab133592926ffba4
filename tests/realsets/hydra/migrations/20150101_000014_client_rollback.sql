ALTER TABLE hydra_client DROP COLUMN frontchannel_logout_uri;
ALTER TABLE hydra_client DROP COLUMN frontchannel_logout_session_required;
ALTER TABLE hydra_client DROP COLUMN post_logout_redirect_uris;
ALTER TABLE hydra_client DROP COLUMN backchannel_logout_uri;
ALTER TABLE hydra_client DROP COLUMN backchannel_logout_session_required;
