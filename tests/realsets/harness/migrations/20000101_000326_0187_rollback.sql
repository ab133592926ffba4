DROP INDEX IF EXISTS pullreqs_target_repo_branch;
