-- Migration: create_users
-- Created: 2024-12-01
-- Description: Users table the later examples build on

BEGIN;

CREATE TABLE IF NOT EXISTS users (
    id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email TEXT NOT NULL,
    nickname VARCHAR(50),
    created_at TIMESTAMP WITH TIME ZONE DEFAULT CURRENT_TIMESTAMP
);

INSERT INTO users (email, nickname) VALUES
    ('ada@example.com', 'ada'),
    ('grace@example.com', 'grace'),
    ('linus@example.com', NULL);

COMMIT;
