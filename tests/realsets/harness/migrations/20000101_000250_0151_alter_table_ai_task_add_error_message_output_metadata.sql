ALTER TABLE ai_tasks ADD COLUMN aitask_error_message TEXT;
ALTER TABLE ai_tasks ADD COLUMN aitask_output_metadata JSONB;

