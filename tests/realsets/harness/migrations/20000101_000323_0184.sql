ALTER TABLE pullreq_file_groups ADD COLUMN pullreq_file_group_tags JSONB NOT NULL DEFAULT '{}'::jsonb;
