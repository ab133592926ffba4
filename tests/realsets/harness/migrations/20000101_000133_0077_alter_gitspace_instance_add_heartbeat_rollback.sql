ALTER TABLE gitspaces DROP COLUMN gits_last_heartbeat;
