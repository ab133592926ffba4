ALTER TABLE ai_tasks ADD COLUMN aitask_output TEXT;
