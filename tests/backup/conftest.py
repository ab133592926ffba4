"""Helpers for the backup tests: a Config pointed at the test's bucket, and a small seeded database."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from msgspec.structs import replace

from toolkit.config import Config, load_config

MIGRATIONS = ("20240101_000000_init", "20240102_000000_add_orders")


def seed(conn: psycopg.Connection, *, users: int = 50, orders: int = 120) -> None:
    """Two schemas, a sequence, an index, an extension-free realistic mix, and schema_migrations."""
    conn.execute("""
        CREATE TABLE schema_migrations (migration_name text PRIMARY KEY, checksum text,
            applied_at timestamptz NOT NULL DEFAULT now(), status text NOT NULL DEFAULT 'applied');
        CREATE TABLE users (id serial PRIMARY KEY, email text NOT NULL, created_at timestamptz DEFAULT now());
        CREATE SCHEMA sales;
        CREATE TABLE sales.orders (id bigserial PRIMARY KEY, user_id int REFERENCES users(id),
            note text, amount numeric(10,2));
        CREATE INDEX orders_user ON sales.orders (user_id);
        CREATE TABLE empty_one (id int);
    """)
    conn.execute("INSERT INTO users (email) SELECT 'u' || i || '@example.com' FROM generate_series(1, %s) i",
                 (users,))
    conn.execute("INSERT INTO sales.orders (user_id, note, amount) SELECT 1 + i %% %s, md5(i::text), i / 7.0 "
                 "FROM generate_series(1, %s) i", (users, orders))
    for name in MIGRATIONS:
        conn.execute("INSERT INTO schema_migrations (migration_name) VALUES (%s)", (name,))


@pytest.fixture
def seeded(db: psycopg.Connection) -> psycopg.Connection:
    seed(db)
    return db


@pytest.fixture
def config(s3, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    """The configuration the CLI would build from the environment the `s3` fixture exported."""
    monkeypatch.chdir(tmp_path)
    cfg = load_config()
    return replace(cfg, backup=replace(cfg.backup, part_size_mb=5))


def with_backup(cfg: Config, **changes) -> Config:
    return replace(cfg, backup=replace(cfg.backup, **changes))
