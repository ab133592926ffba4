CREATE INDEX repositories_parent_id
ON repositories(repo_parent_id);
