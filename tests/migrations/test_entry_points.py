"""The runbook's script, the console script and `python -m toolkit` are the same CLI."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize("argv", [
    [sys.executable, str(REPO / "scripts" / "migration_manager.py")],
    [sys.executable, "-m", "toolkit"],
    [str(Path(sys.executable).parent / "migration-manager")],
])
def test_every_entry_point_runs_the_same_commands(argv, tmp_path, db_url):
    if not Path(argv[0]).exists() and shutil.which(argv[0]) is None:
        pytest.fail(f"{argv[0]} is not installed: pip install -e . creates it")
    mdir = tmp_path / "migrations"
    mdir.mkdir()
    env = {**os.environ, "DATABASE_URL": db_url, "NO_COLOR": "1"}
    env.pop("MIGRATIONS_DIR", None)
    r = subprocess.run([*argv, "create", "--name", "add_things"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0, r.stderr
    up = next(mdir.glob("*_add_things.sql"))
    up.write_text("BEGIN;\nCREATE TABLE things (id int);\nCOMMIT;\n")
    r = subprocess.run([*argv, "migrate", "--env", "dev"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "Applied 1 migration(s) to dev" in r.stdout, r.stderr
    r = subprocess.run([*argv, "status", "--env", "dev"], cwd=tmp_path, env=env,
                       capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and up.name[:-4] in r.stdout and "1 applied" in r.stdout
