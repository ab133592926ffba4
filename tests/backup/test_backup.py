"""Backup -> verify -> restore against the session's real PostgreSQL and real SeaweedFS S3."""

from __future__ import annotations

import json
import os
import signal

import psycopg
import pytest

from tests.backup.conftest import MIGRATIONS, with_backup
from toolkit.backup import take_backup, verify_backup
from toolkit.backup.listing import list_backups
from toolkit.backup.manifest import manifest_key
from toolkit.backup.s3 import parse_uri
from toolkit.errors import ToolkitError


def counts(conn: psycopg.Connection) -> dict[str, int]:
    return {t: conn.execute(f"SELECT count(*) FROM {t}").fetchone()[0]  # noqa: S608 - fixed names
            for t in ("public.users", "sales.orders", "public.empty_one", "public.schema_migrations")}


def test_round_trip_backup_deep_verify_restore_test(seeded, db_url, pg, config, s3):
    result = take_backup(config, config.environment("dev"), db_url, progress=False)
    m = result.manifest
    assert result.verified and result.uri.startswith(f"s3://{s3.bucket}/migrate-action/dev/")
    # What the manifest claims is what S3 holds and what the database held.
    obj = parse_uri(result.uri)
    head = s3.client().head_object(Bucket=obj.bucket, Key=obj.key, ChecksumMode="ENABLED")
    assert head["ContentLength"] == m["size_bytes"] > 0
    assert head["ChecksumSHA256"] == m["s3_checksum"]["value"]
    assert m["tables"] == counts(seeded) | {"public.empty_one": 0}
    assert m["newest_migration"] == MIGRATIONS[-1]
    assert m["compression"]["method"] == "zstd" and m["dump_bytes"] > m["size_bytes"]
    assert s3.keys() == sorted([obj.key, manifest_key(obj.key)])

    deep = verify_backup(config, result.uri, deep=True, progress=False)
    assert deep.verified, deep.problems
    assert deep.checks["sha256_matches"] and deep.checks["toc_has_every_table"]

    rt = verify_backup(config, result.uri, restore_test=True, scratch_url=pg.url(), progress=False)
    assert rt.verified and rt.checks["row_counts_match"], rt.problems
    listed = list_backups(config, "dev")
    assert [b["uri"] for b in listed] == [result.uri]
    assert listed[0]["verification"]["level"] == "restore-test"
    # The scratch database is gone.
    with psycopg.connect(pg.url(), autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM pg_database WHERE datname LIKE 'migrate_action_verify_%'"
                            ).fetchone()[0] == 0


def test_gzip_backup_is_a_plain_custom_dump_and_restores(seeded, db_url, pg, config):
    cfg = with_backup(config, compression="gzip", compression_level=3)
    result = take_backup(cfg, cfg.environment("dev"), db_url, progress=False)
    assert result.uri.endswith(".dump") and not result.uri.endswith(".zst")
    rt = verify_backup(cfg, result.uri, deep=True, restore_test=True, scratch_url=pg.url(), progress=False)
    assert rt.verified, rt.problems


def test_corrupted_object_fails_deep_verify_and_is_marked(seeded, db_url, config, s3, run_cli):
    result = take_backup(config, config.environment("dev"), db_url, progress=False)
    obj = parse_uri(result.uri)
    client = s3.client()
    data = bytearray(client.get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read())
    data[len(data) // 2] ^= 0x01  # one bit in the middle
    client.put_object(Bucket=obj.bucket, Key=obj.key, Body=bytes(data))

    r = run_cli("verify-backup", "--uri", result.uri, "--deep", "--quiet", env=s3.env)
    assert r.returncode == 1, r.stderr
    assert "failed deep verification" in r.stderr and "SHA-256 mismatch" in r.stderr
    assert "Traceback" not in r.stderr
    manifest = json.loads(client.get_object(Bucket=obj.bucket, Key=manifest_key(obj.key))["Body"].read())
    assert manifest["verification"]["verified"] is False


def test_truncated_object_fails_deep_verify(seeded, db_url, config, s3):
    result = take_backup(config, config.environment("dev"), db_url, progress=False)
    obj = parse_uri(result.uri)
    client = s3.client()
    data = client.get_object(Bucket=obj.bucket, Key=obj.key)["Body"].read()
    client.put_object(Bucket=obj.bucket, Key=obj.key, Body=data[: len(data) - 40])
    v = verify_backup(config, result.uri, deep=True, progress=False)
    assert not v.verified
    assert any("truncated" in p or "corrupt" in p for p in v.problems), v.problems


def _no_uploads_left(s3) -> None:
    client = s3.client()
    assert s3.keys() == []  # neither a dump nor a manifest
    assert client.list_multipart_uploads(Bucket=s3.bucket).get("Uploads", []) == []


def test_pg_dump_killed_mid_stream_leaves_nothing(db, db_url, config, s3):
    # ~20 MB of poorly compressible rows, sent uncompressed, so parts are on the wire when it dies.
    db.execute("CREATE TABLE big AS SELECT i, md5(i::text) || md5((i * 7)::text) AS a, now() AS t "
               "FROM generate_series(1, 220000) i")
    cfg = with_backup(config, compression="none")
    seen = {}

    def kill_midway(c) -> None:
        if c.read >= 11 * 1024 * 1024 and "killed" not in seen:
            seen["killed"] = c.written
            os.kill(c.pid, signal.SIGKILL)

    from toolkit.backup.take import take_backup as take

    with pytest.raises(ToolkitError, match=r"pg_dump failed \(exit -9\): killed by signal 9"):
        take(cfg, cfg.environment("dev"), db_url, progress=False, on_progress=kill_midway)
    assert seen["killed"] >= 10 * 1024 * 1024  # parts had been uploaded before the kill
    _no_uploads_left(s3)


def test_pg_dump_failing_gives_one_line_and_no_object(seeded, db_url, s3, run_cli, pg):
    # A role that may connect but not read the tables: pg_dump fails on its first COPY.
    seeded.execute("CREATE ROLE weak LOGIN PASSWORD 'weakpw'")
    weak_url = db_url.replace(f"postgres:{pg.password}@", "weak:weakpw@")
    r = run_cli("backup", "--env", "dev", "--quiet", env={**s3.env, "DATABASE_URL_DEV": weak_url})
    seeded.execute("DROP OWNED BY weak; DROP ROLE weak")
    assert r.returncode == 1
    lines = r.stderr.strip().splitlines()
    assert lines[0].startswith("error: ") and "permission denied" in lines[0], r.stderr
    assert "weakpw" not in r.stderr and "Traceback" not in r.stderr
    _no_uploads_left(s3)


@pytest.mark.parametrize("fault", ["missing bucket", "refused credentials", "unreachable endpoint",
                                   "read-only credentials"])
def test_s3_faults_give_one_line_and_leave_nothing(fault, seeded, db_url, s3, run_cli):
    env = {**s3.env, "DATABASE_URL_DEV": db_url, "AWS_MAX_ATTEMPTS": "2"}
    expected = {"missing bucket": "does not exist", "refused credentials": "S3 refused the request",
                "unreachable endpoint": "cannot reach the S3 endpoint",
                "read-only credentials": "AccessDenied"}[fault]
    if fault == "missing bucket":
        env["BACKUP_S3_BUCKET"] = "no-such-bucket-here"
    elif fault == "refused credentials":
        env["AWS_SECRET_ACCESS_KEY"] = "wrong"
    elif fault == "unreachable endpoint":
        import socket

        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            env["AWS_ENDPOINT_URL_S3"] = f"http://127.0.0.1:{sock.getsockname()[1]}"
    else:
        env.update(s3.server.env(reader=True))
        env["BACKUP_S3_BUCKET"] = s3.bucket
    r = run_cli("backup", "--env", "dev", "--quiet", env=env)
    assert r.returncode == 1, r.stderr
    assert r.stderr.startswith("error: cannot start an upload") and expected in r.stderr.splitlines()[0], r.stderr
    assert "Traceback" not in r.stderr and r.stdout == ""
    assert s3.keys() == []


def test_cli_backup_prints_uri_and_json_line(seeded, db_url, s3, run_cli):
    env = {**s3.env, "DATABASE_URL_PRODUCTION": db_url, "CI": "true"}
    r = run_cli("backup", "--env", "production", env=env)  # no --yes: backups never ask
    assert r.returncode == 0, r.stderr
    uri = r.stdout.strip()
    assert uri.startswith(f"s3://{s3.bucket}/migrate-action/production/") and uri.endswith(".dump.zst")
    assert "verified" in r.stderr and "backup:" in r.stderr  # a CI progress line
    r2 = run_cli("backup", "--env", "production", "--format", "json", "--quiet", "--prefix", "other", env=env)
    assert r2.returncode == 0, r2.stderr
    line = json.loads(r2.stdout)
    assert line["verified"] is True and line["uri"].startswith(f"s3://{s3.bucket}/other/production/")
    assert line["newest_migration"] == MIGRATIONS[-1]
    r3 = run_cli("list-backups", "--env", "production", "--format", "json", env=env)
    assert [b["uri"] for b in json.loads(r3.stdout)] == [uri]  # the other prefix is not listed
    r4 = run_cli("list-backups", "--env", "production", "--prefix", "other", env=env)
    assert line["uri"] in r4.stdout and "yes (basic)" in r4.stdout
