DROP TABLE IF EXISTS quarantined_events;
DROP TABLE IF EXISTS quarantined_paths;
