-- Migration: users_statistics
-- Created: 2025-01-15
-- Description: Better planner statistics

BEGIN;

ALTER TABLE users ALTER COLUMN status SET STATISTICS 500;

COMMIT;
