ALTER TABLE pullreqs
    DROP COLUMN pullreq_additions,
    DROP COLUMN pullreq_deletions;
