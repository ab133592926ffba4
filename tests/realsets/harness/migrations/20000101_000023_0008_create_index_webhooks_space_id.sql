CREATE INDEX webhooks_space_id
ON webhooks(webhook_space_id);
