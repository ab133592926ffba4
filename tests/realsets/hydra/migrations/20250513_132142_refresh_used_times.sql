ALTER TABLE hydra_oauth2_refresh
  ADD COLUMN used_times INT NULL;
