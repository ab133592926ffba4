ALTER TABLE webhooks DROP COLUMN webhook_extra_headers;

