ALTER TABLE media_types
    DROP COLUMN is_runnable;
