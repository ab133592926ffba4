"""Rehearsal benchmark: a partial-restore rehearsal against a full restore of the same backup, and
traced against untraced application of the same migrations.

    .venv/bin/python benchmarks/rehearse_bench.py                  # ~200 MB database, ~50 MB touched
    .venv/bin/python benchmarks/rehearse_bench.py --size-mb 1000   # the issue's ~1 GB

Starts a throwaway PostgreSQL and SeaweedFS S3 server, fills a database of about --size-mb with an
`orders` table of about --touched-mb and filler tables (with indexes) for the rest, applies an init
migration, takes a verified backup, then times:

  F  full restore of that backup into a new database (`restore`, the toolkit's own)
  R  `rehearse` end to end on a scratch database of the same server (partial restore of the
     touched table, migrations applied under the tracer and the probe, scratch dropped)
  U  the same migrations applied untraced by the engine (`migrate`) on the full restore
  T  the same migrations' total in the rehearsal (traced)

and prints R/F (goal <= 0.3) and T/U (goal <= 1.10). The migrations: ALTER COLUMN ... TYPE bigint
(a rewrite), CREATE INDEX CONCURRENTLY, ADD COLUMN.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

from msgspec.structs import replace

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
from psycopg import sql  # noqa: E402

from toolkit.localdev.postgres import LocalPostgres  # noqa: E402
from toolkit.localdev.s3 import LocalS3  # noqa: E402

INIT = """
CREATE TABLE orders (id bigint PRIMARY KEY, qty int NOT NULL, note text, created_at timestamptz);
"""
MIGRATIONS = {
    "20240201_000000_qty_bigint": "ALTER TABLE orders ALTER COLUMN qty TYPE bigint;",
    "20240202_000000_orders_note_idx": "CREATE INDEX CONCURRENTLY orders_note_idx ON orders (note);",
    "20240203_000000_orders_flag": "ALTER TABLE orders ADD COLUMN flag text;",
}
ROW_BYTES = 130  # on-disk bytes per row of these tables, heap and index (measured)


def fill(conn: psycopg.Connection, size_mb: int, touched_mb: int) -> None:
    orders = touched_mb * (1 << 20) // ROW_BYTES
    conn.execute("INSERT INTO orders SELECT i, i %% 100, md5(i::text), now() FROM generate_series(1, %s) i",
                 (orders,))
    rest = max(0, size_mb - touched_mb)
    tables = max(1, rest // 100)
    for n in range(tables):
        rows = (rest // tables) * (1 << 20) // ROW_BYTES
        t = sql.Identifier(f"filler_{n}")
        conn.execute(sql.SQL("CREATE TABLE {} (id bigint PRIMARY KEY, k int, body text, at timestamptz)").format(t))
        conn.execute(sql.SQL("INSERT INTO {} SELECT i, i %% 1000, md5(i::text), now() "
                             "FROM generate_series(1, %s) i").format(t), (rows,))
        conn.execute(sql.SQL("CREATE INDEX ON {} (k)").format(t))
    conn.execute("VACUUM ANALYZE")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--size-mb", type=int, default=200)
    ap.add_argument("--touched-mb", type=int, default=50)
    ap.add_argument("--verbose", action="store_true", help="Print the rehearsal's progress with times.")
    args = ap.parse_args()

    from toolkit.app.rehearse import RehearseSettings, rehearse
    from toolkit.backup import take_backup
    from toolkit.backup.manifest import source_name
    from toolkit.backup.restore import restore_backup
    from toolkit.config import load_config
    from toolkit.migrations.runner import apply_pending

    with LocalPostgres(durable=True) as pg, LocalS3() as s3:
        s3.create_bucket("rehearse-bench")
        for k, v in {**s3.env(), "BACKUP_S3_BUCKET": "rehearse-bench"}.items():
            os.environ[k] = v
        work = Path(tempfile.mkdtemp(prefix="rehearse-bench-"))
        folder = work / "migrations"
        folder.mkdir()
        os.chdir(work)
        (folder / "20240101_000000_init.sql").write_text(INIT)
        config = load_config(migrations_dir=str(folder))
        config = replace(config, backup=replace(config.backup, part_size_mb=16))
        env = config.environment("dev")
        pg.create_database("app")
        t = time.monotonic()
        with psycopg.connect(pg.url("app"), autocommit=True) as conn:
            apply_pending(conn, config, "dev")
            fill(conn, args.size_mb, args.touched_mb)
            size = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
            orders = conn.execute("SELECT pg_total_relation_size('orders')").fetchone()[0]
        print(f"database {size / 2**20:.0f} MB, orders {orders / 2**20:.0f} MB (filled in {time.monotonic() - t:.0f} s)")
        backup = take_backup(config, env, pg.url("app"), progress=False)
        print(f"backup {backup.manifest.size_bytes / 2**20:.0f} MB compressed")
        for name, text in MIGRATIONS.items():
            (folder / f"{name}.sql").write_text(text)

        pg.create_database("full_copy")
        t = time.monotonic()
        # Into another database of the same server: the restore must be told it is on purpose.
        restore_backup(config, env, pg.url("full_copy"), backup.uri, progress=False,
                       from_other_database=source_name(backup.manifest))
        full_s = time.monotonic() - t
        print(f"F  full restore                 {full_s:7.2f} s")

        t = time.monotonic()
        r = rehearse(config, RehearseSettings("dev", backup_uri=backup.uri, scratch_url=pg.url("postgres")),
                     progress=(lambda m: print(f"     {time.monotonic() - t:6.2f} s  {m}")) if args.verbose else
                     (lambda _: None))
        rehearse_s = time.monotonic() - t
        print(f"R  rehearse end to end          {rehearse_s:7.2f} s  (restored {r.restored.restored_bytes / 2**20:.0f} MB "
              f"in {r.restored.restore_s:.1f} s, download {r.restored.download_s:.1f} s)")

        with psycopg.connect(pg.url("full_copy"), autocommit=True) as conn:
            t = time.monotonic()
            apply_pending(conn, config, "dev")
            untraced_s = time.monotonic() - t
        traced_s = r.total_ms / 1000
        print(f"U  migrations untraced (engine) {untraced_s:7.2f} s")
        print(f"T  migrations traced            {traced_s:7.2f} s")
        print(f"R/F = {rehearse_s / full_s:.2f} (goal <= 0.3)   T/U = {traced_s / untraced_s:.2f} (goal <= 1.10)")


if __name__ == "__main__":
    main()
