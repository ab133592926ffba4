"""The issue's "Done" scenario: a 200k-row table backed up, then a rewrite, a concurrent index and a
nullable column rehearsed on a copy."""

from __future__ import annotations

import json

import psycopg

from tests.rehearse.conftest import write_migration

ALTER_TYPE = "20240201_000000_qty_bigint"
CIC = "20240202_000000_items_note_idx"
ADD_COL = "20240203_000000_items_flag"


def _pending(folder):
    write_migration(folder, ALTER_TYPE, "ALTER TABLE items ALTER COLUMN qty TYPE bigint;")
    write_migration(folder, CIC, "CREATE INDEX CONCURRENTLY items_note_idx ON items (note);")
    write_migration(folder, ADD_COL, "ALTER TABLE items ADD COLUMN flag text;")


def test_rehearsal_measures_rewrite_concurrent_index_and_new_column(source_factory, pg, run_cli, s3):
    src = source_factory(items=200_000)
    _pending(src.folder)
    before = src.snapshot()
    env = {**s3.env, "MIGRATIONS_DIR": str(src.folder)}
    # One run: the full JSON report on stdout, and the gate (--max-lock-ms 50) failing with one line.
    r = run_cli("rehearse", "--env", "dev", "--scratch-url", pg.url("postgres"), "--format", "json",
                "--max-lock-ms", "50", "--quiet", env=env)
    assert r.returncode == 1, r.stderr
    err = [ln for ln in r.stderr.splitlines() if ln.strip()]
    assert len(err) == 1 and "ACCESS EXCLUSIVE on public.items held" in err[0] and "--max-lock-ms 50" in err[0]
    report = json.loads(r.stdout)

    restored = report["restored"]
    assert set(restored["data_tables"]) == {"public.items", "public.customers", "public.schema_migrations"}
    assert restored["data_tables"]["public.items"]["rows"] == 200_000
    assert restored["data_tables"]["public.customers"]["why"] == "referenced by public.items"
    assert restored["schema_only_tables"] == 2  # audit_log and unrelated: schema only

    by_name = {m["name"]: m for m in report["migrations"]}
    assert list(by_name) == [ALTER_TYPE, CIC, ADD_COL]
    rewrite = by_name[ALTER_TYPE]["statements"][0]
    ae = [lk for lk in rewrite["locks"] if lk["relation"] == "public.items"]
    assert [lk["mode"] for lk in ae] == ["ACCESS EXCLUSIVE"]
    # Held for (at least) most of the rewrite: from the statement's start to the commit.
    assert ae[0]["hold_ms"] >= 0.9 * rewrite["wall_ms"]
    assert rewrite["rewritten"] == ["public.items"]
    assert rewrite["rows"] >= 190_000 and rewrite["wal_bytes"] > 1_000_000
    # The probe was stuck for about as long as the rewrite held the table.
    assert 0.6 * ae[0]["hold_ms"] <= rewrite["probe_stall_ms"] <= ae[0]["hold_ms"] + 300

    cic = by_name[CIC]["statements"][0]
    modes = {lk["mode"] for lk in cic["locks"] if lk["relation"] == "public.items"}
    assert modes == {"SHARE UPDATE EXCLUSIVE"}
    assert cic["rewritten"] == []
    assert cic["probe_stall_ms"] < rewrite["probe_stall_ms"] / 3

    add = by_name[ADD_COL]["statements"][0]
    assert [lk["mode"] for lk in add["locks"]] == ["ACCESS EXCLUSIVE"]
    assert add["locks"][0]["hold_ms"] < 50  # milliseconds, on a 200k-row table
    assert add["rewritten"] == []
    assert rewrite["wall_ms"] > 5 * add["wall_ms"]

    assert abs(report["gate"]["longest_blocking_lock_ms"] - ae[0]["hold_ms"]) < 0.1

    # The source database and its tracking table are unchanged; no scratch database is left.
    assert src.snapshot() == before
    with psycopg.connect(pg.url("postgres"), autocommit=True) as c:
        left = c.execute("SELECT datname FROM pg_database WHERE datname LIKE 'migrate\\_action\\_rehearse%'").fetchall()
    assert left == []
