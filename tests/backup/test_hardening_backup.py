"""Issue 9's backup items, on the real PostgreSQL and SeaweedFS: a restore refuses another
database's backup, waits for locks briefly and names the blocker, at-rest corruption is caught by
the gate, leftover scratch databases are cleaned, and failures name what failed."""

from __future__ import annotations

import json
import os
import threading
import time

import psycopg
import pytest
from msgspec.structs import replace

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


# -- item 15: at-rest corruption is caught by the gate ----------------------------------------------
def _flip_a_byte_at_rest(s3, data: bytes) -> None:
    """Flip one byte of the object's payload inside SeaweedFS's volume file on disk (its metadata,
    size and stored S3 checksum in the filer, stay as they were)."""
    sample = data[len(data) // 2: len(data) // 2 + 64]
    hits = []
    for path in (s3.server.base / "data").rglob("*.dat"):
        at = path.read_bytes().find(sample)
        if at >= 0:
            hits.append((path, at))
    assert len(hits) == 1, hits
    path, at = hits[0]
    with open(path, "r+b") as f:
        f.seek(at + 10)
        byte = f.read(1)
        f.seek(at + 10)
        f.write(bytes([byte[0] ^ 0x01]))


def test_gate_catches_a_byte_flipped_at_rest(seeded, db_url, config, s3, run_cli, monkeypatch):
    from toolkit.backup.gate import require_verified_backup

    prod = config.environment("production")
    result = take_backup(config, prod, db_url, progress=False)
    obj = parse_uri(result.uri)
    data = s3.client().get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read()
    _flip_a_byte_at_rest(s3, data)
    head = s3.client().head_object(Bucket=obj.bucket, Key=obj.key, ChecksumMode="ENABLED")
    assert head["ContentLength"] == len(data) and head["ChecksumSHA256"] == result.manifest["s3_checksum"]["value"]

    env = {**s3.env, "AWS_MAX_ATTEMPTS": "1"}  # SeaweedFS answers a rotted needle with a 500: no retries
    monkeypatch.setenv("AWS_MAX_ATTEMPTS", "1")
    with pytest.raises(ToolkitError, match="could not be read back|no longer hash") as exc:
        require_verified_backup(config, prod, db_url, result.manifest["newest_migration"])
    assert result.uri in exc.value.message
    # The default (basic) verify still only compares metadata, and now says so plainly.
    basic = run_cli("verify-backup", "--uri", result.uri, "--quiet", "--no-record", env=env)
    assert basic.returncode == 0 and "not checked: the bytes were not read back" in basic.stderr
    deep = run_cli("verify-backup", "--uri", result.uri, "--deep", "--quiet", "--no-record", env=env)
    assert deep.returncode == 1 and "Traceback" not in deep.stderr


# -- item 16: scratch databases of killed verify runs are cleaned -----------------------------------
def test_restore_test_killed_leaves_a_scratch_database_that_the_next_run_drops(db, db_url, pg, s3, run_cli):
    import signal
    import subprocess
    import sys

    seed(db, users=50000, orders=50000)  # a restore-test long enough to be killed in
    env = {**s3.env, "DATABASE_URL_DEV": db_url}
    uri = run_cli("backup", "--env", "dev", "--quiet", env=env).stdout.strip()
    full = {k: v for k, v in os.environ.items() if not k.startswith("DATABASE_URL")} | env
    admin = psycopg.connect(pg.url(), autocommit=True)
    pattern = "migrate\\_action\\_verify\\_%"
    before = {r[0] for r in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,))}
    proc = subprocess.Popen([sys.executable, "-m", "toolkit", "verify-backup", "--uri", uri, "--restore-test",
                             "--scratch-url", pg.url(), "--quiet", "--no-record"], env=full,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        left: set[str] = set()
        while not left and time.monotonic() < deadline and proc.poll() is None:
            left = {r[0] for r in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                                                (pattern,))} - before
            time.sleep(0.01)
        assert left, "the scratch database never appeared"
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        time.sleep(0.5)
        still = {r[0] for r in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,))}
        assert left <= still  # kill -9: nothing could clean up

        again = run_cli("verify-backup", "--uri", uri, "--restore-test", "--scratch-url", pg.url(), "--quiet",
                        "--no-record", env=env)
        assert again.returncode == 0, again.stderr
        (name,) = left
        assert f"dropped leftover scratch database {name}" in again.stderr and "is gone" in again.stderr
        now = {r[0] for r in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,))}
        assert name not in now
    finally:
        if proc.poll() is None:
            proc.kill()
        for (name,) in admin.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (pattern,)).fetchall():
            if name not in before:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()


def test_leftover_rule_keeps_a_live_run_and_another_hosts_recent_one():
    from toolkit.localdev.scratchdb import MAX_AGE_S as SCRATCH_MAX_AGE_S
    from toolkit.localdev.scratchdb import leftover_reason, scratch_name

    now = time.time()
    mine = scratch_name("verify", now)
    assert leftover_reason(mine, now) is None  # this very process is alive
    other_host = mine.replace(mine.split("_")[3], "000000", 1)
    assert leftover_reason(other_host, now, host="ffffff") is None
    assert "h ago" in leftover_reason(other_host, now + SCRATCH_MAX_AGE_S + 60, host="ffffff")
    assert leftover_reason("migrate_action_verify_1a2b3c4d", now) is None  # an older version's name


# -- item 18: failures name what failed -------------------------------------------------------------
def test_backup_names_the_unreadable_table_and_the_privilege(seeded, db_url, s3, run_cli, pg):
    seeded.execute("CREATE ROLE partial LOGIN PASSWORD 'partialpw'; "
                   "GRANT USAGE ON SCHEMA sales TO partial; "
                   "GRANT SELECT ON ALL TABLES IN SCHEMA public TO partial; "
                   "GRANT SELECT ON ALL SEQUENCES IN SCHEMA public, sales TO partial")
    try:
        url = db_url.replace(f"postgres:{pg.password}@", "partial:partialpw@")
        r = run_cli("backup", "--env", "dev", "--quiet", env={**s3.env, "DATABASE_URL_DEV": url})
    finally:
        seeded.execute("DROP OWNED BY partial; DROP ROLE partial")
    assert r.returncode == 1
    first = r.stderr.strip().splitlines()[0]
    assert "SELECT on table sales.orders" in first and "role partial" in first, r.stderr
    assert "snapshot" not in r.stderr and "partialpw" not in r.stderr
    assert s3.keys() == []


def test_restoring_a_corrupt_object_says_the_backup_is_corrupt(seeded, db_url, config, s3):
    from toolkit.backup.restore import restore_backup

    dev = config.environment("dev")
    result = take_backup(config, dev, db_url, progress=False)
    obj = parse_uri(result.uri)
    client = s3.client()
    data = bytearray(client.get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read())
    data[len(data) // 2] ^= 0x01
    client.put_object(Bucket=obj.bucket, Key=obj.key, Body=bytes(data))
    _later_changes(seeded)
    with pytest.raises(ToolkitError) as exc:
        restore_backup(config, dev, db_url, result.uri, progress=False)
    msg = exc.value.message
    assert msg.startswith(f"the backup {result.uri} is corrupt") and "SHA-256 mismatch" in msg, msg
    assert "zstd" in msg and "unchanged" in msg
    assert _unchanged(seeded)
