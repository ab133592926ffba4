ALTER TABLE pullreqs DROP COLUMN pullreq_closed;
