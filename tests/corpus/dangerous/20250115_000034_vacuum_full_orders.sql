-- Migration: vacuum_full_orders
-- Created: 2025-01-15
-- Description: Reclaim space
-- Expect: blocking-rewrite

VACUUM FULL orders;
