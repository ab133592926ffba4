DROP TABLE IF EXISTS gitspace_settings;
