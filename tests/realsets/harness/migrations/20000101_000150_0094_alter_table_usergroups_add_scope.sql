ALTER TABLE usergroups
ADD COLUMN usergroup_scope INTEGER DEFAULT 0;