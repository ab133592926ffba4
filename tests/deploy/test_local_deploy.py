"""The README's first command: a whole local deploy, in a subprocess, as a user runs it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.deploy.helpers import NAMES, REPO


@pytest.mark.slow
def test_local_deploy_runs_the_whole_job_and_cleans_up():
    # The servers' folders go in a temp dir of our own (one the postgres user can enter), so leftovers show.
    tmp_path = Path(tempfile.mkdtemp(prefix="local-deploy-test-"))
    tmp_path.chmod(0o755)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "GITHUB_", "AWS_", "BACKUP_S3"))}
    env["TMPDIR"] = str(tmp_path)
    proc = subprocess.run([sys.executable, "-m", "toolkit", "local-deploy", "--format", "json"], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout)
    assert out["result"] == "success" and out["applied"] == NAMES
    assert [s["step"] for s in out["steps"]] == ["start", "plan", "deployment", "backup", "verify", "migrate",
                                                 "health", "report"]
    assert {s["step"]: s["status"] for s in out["steps"]}["verify"] == "ok"
    assert out["backup_uri"].startswith("s3://migrate-action-local/")
    assert out["health"]["ok"] and len(out["health"]["checks"][0]["measurements"]) == 3
    # everything stopped and removed
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith("migrate-action-")] == []
    shutil.rmtree(tmp_path, ignore_errors=True)
