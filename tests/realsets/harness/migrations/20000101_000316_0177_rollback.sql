ALTER TABLE linked_repositories DROP COLUMN linked_repo_clone_url;
