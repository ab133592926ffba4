ALTER TABLE pullreqs
    ADD COLUMN pullreq_additions INTEGER,
    ADD COLUMN pullreq_deletions INTEGER;
