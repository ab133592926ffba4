DROP TABLE hydra_oauth2_pkce;
