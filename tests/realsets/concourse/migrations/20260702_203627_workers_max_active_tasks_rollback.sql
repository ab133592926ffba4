ALTER TABLE workers DROP COLUMN max_active_tasks;
