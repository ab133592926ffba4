DROP TABLE auto_merges;
ALTER TABLE pullreqs DROP COLUMN pullreq_substate;
