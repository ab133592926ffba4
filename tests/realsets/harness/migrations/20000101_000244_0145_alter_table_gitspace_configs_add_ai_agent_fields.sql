ALTER TABLE gitspace_configs
    ADD COLUMN gconf_ai_agents TEXT;
