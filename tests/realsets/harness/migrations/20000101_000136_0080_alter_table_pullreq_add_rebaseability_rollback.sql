ALTER TABLE pullreqs
    DROP COLUMN pullreq_rebase_conflicts,
    DROP COLUMN pullreq_rebase_check_status;
