-- Migration: active_users_view
-- Created: 2025-01-15
-- Description: A view for reports

BEGIN;

CREATE OR REPLACE VIEW active_user_ids AS SELECT id FROM users WHERE status = 'active';

COMMIT;
