-- Migration: purge_expired_sessions
-- Created: 2025-01-15
-- Description: Delete expired sessions

BEGIN;

DELETE FROM sessions WHERE expires_at < now() - interval '30 days';

COMMIT;
