-- Migration: order_state_value
-- Created: 2025-01-15
-- Description: A new enum value

ALTER TYPE order_state ADD VALUE IF NOT EXISTS 'refunded';
