ALTER TABLE gitspace_configs
    DROP COLUMN gconf_is_deleted;