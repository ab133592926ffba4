DROP TABLE keto_uuid_mappings;
