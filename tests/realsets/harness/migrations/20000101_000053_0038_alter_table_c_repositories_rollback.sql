ALTER TABLE repositories
    DROP COLUMN repo_size,
    DROP COLUMN repo_size_updated;