ALTER TABLE linked_repositories ADD COLUMN linked_repo_clone_url TEXT NOT NULL DEFAULT '';
