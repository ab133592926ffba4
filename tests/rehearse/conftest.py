"""A source database with a migrations folder, some applied migrations and a verified backup in the
test's bucket; helpers to add pending migrations and to snapshot the source for "unchanged"."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import psycopg
import pytest
from msgspec.structs import replace

from toolkit.backup import take_backup
from toolkit.config import Config, load_config
from toolkit.migrations.runner import apply_pending

INIT = """
CREATE TABLE customers (id int PRIMARY KEY, name text NOT NULL);
CREATE TABLE items (id int PRIMARY KEY, customer_id int REFERENCES customers (id), qty int NOT NULL,
                    note text);
CREATE TABLE audit_log (id bigserial PRIMARY KEY, body text);
CREATE TABLE unrelated (id int PRIMARY KEY, payload text);
"""


def write_migration(folder: Path, name: str, sql: str, rollback: str = "SELECT 1;") -> None:
    (folder / f"{name}.sql").write_text(sql)
    (folder / f"{name}_rollback.sql").write_text(rollback)


@dataclass
class Source:
    url: str
    config: Config
    folder: Path
    backup_uri: str

    def snapshot(self) -> tuple:
        with psycopg.connect(self.url, autocommit=True) as c:
            tracking = c.execute("SELECT migration_name, checksum, status FROM schema_migrations ORDER BY 1").fetchall()
            cols = c.execute("SELECT table_name, column_name, data_type FROM information_schema.columns "
                             "WHERE table_schema = 'public' ORDER BY 1, 2").fetchall()
            idx = c.execute("SELECT indexname FROM pg_indexes WHERE schemaname = 'public' ORDER BY 1").fetchall()
            rows = c.execute("SELECT count(*), sum(qty) FROM items").fetchone()
        return tracking, cols, idx, rows


def make_source(db_url: str, db: psycopg.Connection, folder: Path, *, items: int, unrelated: int = 1000,
                customers: int = 100) -> Source:
    folder.mkdir(parents=True, exist_ok=True)
    write_migration(folder, "20240101_000000_init", INIT)
    config = load_config(migrations_dir=str(folder))
    config = replace(config, backup=replace(config.backup, part_size_mb=5))
    apply_pending(db, config, "dev")
    db.execute("INSERT INTO customers SELECT i, 'c' || i FROM generate_series(1, %s) i", (customers,))
    db.execute("INSERT INTO items SELECT i, 1 + i %% %s, i %% 7, md5(i::text) FROM generate_series(1, %s) i",
               (customers, items))
    db.execute("INSERT INTO unrelated SELECT i, repeat(md5(i::text), 8) FROM generate_series(1, %s) i",
               (unrelated,))
    db.execute("INSERT INTO audit_log (body) SELECT md5(i::text) FROM generate_series(1, 500) i")
    db.execute("VACUUM ANALYZE")
    result = take_backup(config, config.environment("dev"), db_url, progress=False)
    return Source(db_url, config, folder, result.uri)


@pytest.fixture
def source_factory(db_url, db, s3, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)

    def make(**kw) -> Source:
        return make_source(db_url, db, tmp_path / "migrations", **kw)

    return make
