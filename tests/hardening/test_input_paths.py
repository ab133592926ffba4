"""Item 18 (input parts): unreadable folders and files, an over-long `create --name`, malformed
health-check URLs: one line each, never a traceback."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.hardening.conftest import one_error

REPO = Path(__file__).resolve().parents[2]
SETPRIV = shutil.which("setpriv")


def _without_root_read(*args: str, mdir: Path, db_url: str) -> subprocess.CompletedProcess:
    """The CLI as root without CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH: chmod 000 then stops it reading,
    as it would a normal user (the interpreter lives under /root, out of other users' reach)."""
    env = {"PATH": os.environ["PATH"], "MIGRATIONS_DIR": str(mdir), "NO_COLOR": "1",
           "DATABASE_URL": db_url, "PYTHONDONTWRITEBYTECODE": "1"}
    return subprocess.run([SETPRIV, "--bounding-set", "-dac_override,-dac_read_search", "--",
                           sys.executable, "-m", "toolkit", *args],
                          capture_output=True, text=True, env=env, cwd=mdir.parent, timeout=120)


@pytest.fixture
def shared_dir():
    """A folder outside pytest's tmp_path, whose files the test chmods (and restores to remove)."""
    base = Path(tempfile.mkdtemp(prefix="h2-unreadable-"))
    yield base
    for p in base.rglob("*"):
        p.chmod(0o755)
    shutil.rmtree(base)


@pytest.mark.skipif(os.geteuid() != 0 or SETPRIV is None,
                    reason="needs root and setpriv to drop the capabilities that let root read anything")
@pytest.mark.parametrize("what", ["folder", "file", "rollback"])
@pytest.mark.parametrize("command", [("status", "--env", "dev"), ("migrate", "--env", "dev"), ("lint",)])
def test_unreadable_migrations_are_one_line(what, command, shared_dir, db_url, db):
    mdir = shared_dir / "migrations"
    mdir.mkdir(mode=0o755)
    up = mdir / "20240101_000000_first.sql"
    up.write_text("SELECT 1;\n")
    rb = mdir / "20240101_000000_first_rollback.sql"
    rb.write_text("SELECT 1;\n")
    for p in (up, rb):
        p.chmod(0o644)
    target = {"folder": mdir, "file": up, "rollback": rb}[what]
    target.chmod(0)
    r = _without_root_read(*command, mdir=mdir, db_url=db_url)
    one_error(r, "cannot read", target.name, "Permission denied")
    assert db.execute("SELECT to_regclass('schema_migrations') IS NULL").fetchone()[0]


def test_create_refuses_a_name_too_long_for_the_file_system(run_cli, tmp_path):
    mdir = tmp_path / "migrations"
    mdir.mkdir()
    r = run_cli("create", "--name", "a" * 300, "--dir", str(mdir))
    one_error(r, "300 characters", "at most 226", "255 bytes")
    assert list(mdir.iterdir()) == []
    ok = run_cli("create", "--name", "a" * 226, "--dir", str(mdir))
    assert ok.returncode == 0, ok.stderr
    assert max(len(p.name.encode()) for p in mdir.iterdir()) == 255


@pytest.mark.parametrize("url", ["http//x", "http://[::1", "http://", "https://:8080/x", "http://x:port/",
                                 "http://user:s3cret@[::1/?token=abc"])
def test_malformed_health_url_is_one_line(url, run_cli):
    r = run_cli("health-check", "--url", url, "--deadline", "1")
    assert r.returncode == 2
    one_error(r, "health check URL")
    assert "s3cret" not in r.stderr and "token=abc" not in r.stderr


@pytest.mark.parametrize("url", ["http://[::1", "http://x:port/"])
def test_deploy_refuses_a_malformed_health_url_before_anything(url, run_cli, tmp_path, db_url, db):
    mdir = tmp_path / "migrations"
    mdir.mkdir()
    (mdir / "20240101_000000_first.sql").write_text("CREATE TABLE first (id int);\n")
    r = run_cli("deploy", "--env", "dev", "--health-url", url, "--github", "off", "--dir", str(mdir),
                env={"DATABASE_URL": db_url, "NO_COLOR": "1"})
    assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
    assert "health check URL is malformed" in r.stderr
    assert db.execute("SELECT to_regclass('first') IS NULL").fetchone()[0]
