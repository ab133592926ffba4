-- Migration: order_state_enum
-- Created: 2025-01-15
-- Description: An enum type

BEGIN;

CREATE TYPE order_state AS ENUM ('new', 'paid', 'shipped');

COMMIT;
