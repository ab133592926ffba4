ALTER TABLE repositories ADD COLUMN repo_tags JSONB NOT NULL DEFAULT '{}'::jsonb;
