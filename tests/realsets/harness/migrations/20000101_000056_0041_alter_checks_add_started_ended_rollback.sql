ALTER TABLE checks DROP COLUMN check_started;
ALTER TABLE checks DROP COLUMN check_ended;
