-- Migration: rename_index
-- Created: 2025-01-15
-- Description: Consistent index names

BEGIN;

ALTER INDEX IF EXISTS idx_orders_user_id RENAME TO orders_user_id_idx;

COMMIT;
