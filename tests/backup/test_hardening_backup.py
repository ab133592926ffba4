"""Issue 9's backup items, on the real PostgreSQL and SeaweedFS: a restore refuses another
database's backup, waits for locks briefly and names the blocker, at-rest corruption is caught by
the gate, leftover scratch databases are cleaned, and failures name what failed."""

from __future__ import annotations

import json
import os
import threading
import time
from dataclasses import replace

import psycopg
import pytest

from tests.backup.conftest import seed
from toolkit.backup import take_backup
from toolkit.backup.manifest import manifest_key
from toolkit.backup.s3 import parse_uri
from toolkit.errors import ToolkitError


def _later_changes(conn: psycopg.Connection) -> None:
    """What happened to the target after the backup (a restore that goes through removes it)."""
    conn.execute("CREATE TABLE public.added_later (id int); "
                 "INSERT INTO schema_migrations (migration_name) VALUES ('20240109_000000_later')")


def _unchanged(conn: psycopg.Connection) -> bool:
    return conn.execute("SELECT to_regclass('public.added_later') IS NOT NULL").fetchone()[0]


@pytest.fixture
def other_db(pg):
    """A second database (say, dev's devdb) on the same server, seeded differently."""
    name = f"devdb_{os.getpid()}_{time.monotonic_ns()}"
    url = pg.create_database(name)
    with psycopg.connect(url, autocommit=True) as conn:
        seed(conn, users=7, orders=3)
    yield name, url
    pg.drop_database(name)


# -- item 1: a restore refuses a backup of another database ---------------------------------------
def test_manifest_records_the_source_identity(seeded, db_url, config):
    m = take_backup(config, config.environment("dev"), db_url, progress=False).manifest
    oid, sysid = seeded.execute("SELECT (SELECT oid::bigint FROM pg_database WHERE datname = current_database()), "
                                "(SELECT system_identifier::text FROM pg_control_system())").fetchone()
    assert m["database"]["oid"] == oid and m["database"]["system_identifier"] == sysid


def test_identity_without_pg_control_privilege_falls_back_to_name_and_oid(seeded, db_url, pg):
    from toolkit.backup.dump import database_identity

    # PostgreSQL 15 lets PUBLIC run pg_control_system(); a hardened server may revoke it
    # (pg_proc is per database, so this revoke stays in the test's database).
    seeded.execute("CREATE ROLE ident_weak LOGIN PASSWORD 'identpw'; "
                   "REVOKE EXECUTE ON FUNCTION pg_control_system() FROM PUBLIC")
    try:
        weak = db_url.replace(f"postgres:{pg.password}@", "ident_weak:identpw@")
        with psycopg.connect(weak) as conn:
            ident = database_identity(conn)
        assert ident.system_identifier is None
        assert ident.oid == seeded.execute("SELECT oid::bigint FROM pg_database WHERE datname = current_database()"
                                           ).fetchone()[0]
    finally:
        seeded.execute("DROP ROLE ident_weak")


def test_restore_refuses_a_backup_of_another_database(seeded, db_url, other_db, s3, run_cli):
    dev_name, dev_url = other_db
    env = {**s3.env, "DATABASE_URL_DEV": dev_url, "DATABASE_URL_PRODUCTION": db_url}
    backup = run_cli("backup", "--env", "dev", "--quiet", env=env)
    assert backup.returncode == 0, backup.stderr
    uri = backup.stdout.strip()
    _later_changes(seeded)

    r = run_cli("restore", "--uri", uri, "--env", "production", "--yes", "--quiet", env=env)
    assert r.returncode != 0
    first = r.stderr.strip().splitlines()[0]
    assert first.startswith("error: refusing to restore") and "Traceback" not in r.stderr
    assert f"dev database '{dev_name}'" in first and "production database '" in first, first
    assert f"--from-other-database dev/{dev_name}" in r.stderr
    assert _unchanged(seeded)

    # A flag that does not name the source exactly is refused too.
    wrong = run_cli("restore", "--uri", uri, "--env", "production", "--yes", "--quiet",
                    "--from-other-database", "dev/something_else", env=env)
    assert wrong.returncode != 0 and "does not name the backup's source" in wrong.stderr
    assert _unchanged(seeded)

    ok = run_cli("restore", "--uri", uri, "--env", "production", "--yes", "--quiet",
                 "--from-other-database", f"dev/{dev_name}", env=env)
    assert ok.returncode == 0, ok.stderr
    assert not _unchanged(seeded)
    assert seeded.execute("SELECT count(*) FROM users").fetchone()[0] == 7
    record_key = next(k for k in s3.keys() if "/restores/" in k)
    record = json.loads(s3.client().get_object(Bucket=s3.bucket, Key=record_key)["Body"].read())
    assert record["from_other_database"] == f"dev/{dev_name}" and record["source"]["name"] == dev_name


def test_rollback_restore_never_restores_another_database(seeded, db_url, other_db, config):
    from toolkit.deploy.rollback import RollbackRequest, rollback_deploy

    _dev_name, dev_url = other_db
    uri = take_backup(config, config.environment("dev"), dev_url, progress=False).uri
    _later_changes(seeded)
    out = rollback_deploy(RollbackRequest(config=config, env_name="production", database_url=db_url,
                                          mode="restore", backup_uri=uri, reason="test"))
    assert not out.ok
    assert "refusing to restore" in out.error and "dev database" in out.error and "production database" in out.error
    assert _unchanged(seeded)


def test_restore_refuses_an_old_manifest_without_identity_unless_named(seeded, db_url, config, s3):
    from toolkit.backup.restore import restore_backup

    prod = config.environment("production")
    result = take_backup(config, prod, db_url, progress=False)
    obj = parse_uri(result.uri)
    mkey = manifest_key(obj.key)
    client = s3.client()
    old = json.loads(client.get_object(Bucket=obj.bucket, Key=mkey)["Body"].read())
    for key in ("oid", "system_identifier"):
        old["database"].pop(key)
    client.put_object(Bucket=obj.bucket, Key=mkey, Body=json.dumps(old).encode())
    _later_changes(seeded)
    with pytest.raises(ToolkitError, match="predates source identities") as exc:
        restore_backup(config, prod, db_url, result.uri, progress=False)
    assert "--from-other-database production/" in exc.value.hint
    assert _unchanged(seeded)
    name = old["database"]["name"]
    restore_backup(config, prod, db_url, result.uri, progress=False, from_other_database=f"production/{name}")
    assert not _unchanged(seeded)


# -- item 13: restore takes its locks like a migration --------------------------------------------
def test_restore_waits_for_locks_briefly_and_names_the_blocker(seeded, db_url, config):
    from toolkit.backup.restore import restore_backup

    dev = config.environment("dev")
    uri = take_backup(config, dev, db_url, progress=False).uri
    _later_changes(seeded)
    cfg = replace(config, engine=replace(config.engine, lock_retry_deadline_s=3.0, lock_retry_pause_ms=200))

    app = psycopg.connect(db_url, application_name="the-app")
    app.execute("SELECT * FROM users").fetchall()  # BEGIN; ACCESS SHARE held, idle in transaction
    app_pid = app.info.backend_pid
    waits: list[float] = []
    done = threading.Event()

    def reader() -> None:
        with psycopg.connect(db_url, autocommit=True) as conn:
            while not done.is_set():
                t = time.monotonic()
                conn.execute("SELECT count(*) FROM users").fetchone()
                waits.append(time.monotonic() - t)
                time.sleep(0.02)

    th = threading.Thread(target=reader, daemon=True)
    th.start()
    t0 = time.monotonic()
    try:
        with pytest.raises(ToolkitError) as exc:
            restore_backup(cfg, dev, db_url, uri, progress=False)
        elapsed = time.monotonic() - t0
    finally:
        done.set()
        th.join(timeout=10)
        app.close()
    msg = exc.value.message
    assert f"pid {app_pid}" in msg and "the-app" in msg and "idle in transaction" in msg, msg
    assert "public.users" in msg and "unchanged" in msg
    assert elapsed < 10
    assert len(waits) > 10 and max(waits) < 1.2, max(waits)
    assert _unchanged(seeded)
