ALTER TABLE pullreqs
ADD COLUMN pullreq_merge_violations_bypassed BOOLEAN DEFAULT NULL;