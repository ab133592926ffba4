ALTER TABLE pullreqs
    DROP COLUMN pullreq_commit_count,
    DROP COLUMN pullreq_file_count;
