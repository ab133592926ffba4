ALTER TABLE registries DROP CONSTRAINT unique_registry_parent_name;
DROP INDEX idx_spaces_lower_space_uid;
