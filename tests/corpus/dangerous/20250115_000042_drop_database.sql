-- Migration: drop_database
-- Created: 2025-01-15
-- Description: Drop the analytics database
-- Expect: ban-drop-database

DROP DATABASE analytics;
