ALTER TABLE webhooks ADD COLUMN webhook_extra_headers JSONB;

