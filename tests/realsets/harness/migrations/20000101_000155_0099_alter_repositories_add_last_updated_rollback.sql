ALTER TABLE repositories
    DROP COLUMN repo_last_git_push;
