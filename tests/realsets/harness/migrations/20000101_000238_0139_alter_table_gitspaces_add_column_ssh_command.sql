ALTER TABLE gitspaces ADD COLUMN gits_ssh_command TEXT;
ALTER TABLE gitspaces ADD COLUMN gits_plugin_url TEXT;
