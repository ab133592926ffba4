ALTER TABLE gitspace_configs
    DROP COLUMN gconf_ai_agents;
