DROP TABLE hydra_client;
