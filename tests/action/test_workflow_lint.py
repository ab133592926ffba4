"""actionlint, zizmor and shellcheck over action.yml and every workflow, plus the house rules for them."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
WORKFLOWS = sorted((REPO / ".github" / "workflows").glob("*.yml"))
ACTION = REPO / "action.yml"
SHA_PIN = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40}$")


def tool(name: str) -> str:
    path = BIN / name
    if path.exists():
        return str(path)
    found = shutil.which(name)
    if not found:
        pytest.fail(f"{name} is not installed: pip install -e '.[test]' installs it")
    return found


def test_workflows_exist():
    names = {p.name for p in WORKFLOWS}
    assert {"ci.yml", "migration-plan.yml", "deploy.yml", "rollback.yml"} <= names


def test_actionlint_finds_nothing():
    # actionlint also checks every `uses: ./` step's `with:` against action.yml's inputs, and runs
    # shellcheck over every `run:` script of the workflows.
    r = subprocess.run([tool("actionlint"), "-shellcheck", tool("shellcheck"), "-no-color",
                        *map(str, WORKFLOWS)], cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0 and not r.stdout.strip(), r.stdout + r.stderr


def test_zizmor_finds_nothing():
    r = subprocess.run([tool("zizmor"), "--offline", "--no-progress", "--format", "plain",
                        str(ACTION), str(REPO / ".github" / "workflows")],
                       cwd=REPO, capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "No findings to report" in r.stdout + r.stderr


def _action() -> dict:
    return yaml.safe_load(ACTION.read_text())


def test_shellcheck_passes_on_the_action_scripts(tmp_path):
    # actionlint checks workflows, not composite actions: check action.yml's scripts directly.
    for i, step in enumerate(_action()["runs"]["steps"]):
        if "run" not in step:
            continue
        script = tmp_path / f"step{i}.sh"
        script.write_text("#!/usr/bin/env bash\nset -eo pipefail\n" + step["run"])
        r = subprocess.run([tool("shellcheck"), "-s", "bash", str(script)], capture_output=True, text=True)
        assert r.returncode == 0, f"step {step.get('name')}:\n{r.stdout}"


def _run_blocks(doc: dict) -> list[str]:
    steps = list(doc.get("runs", {}).get("steps", []))
    for job in (doc.get("jobs") or {}).values():
        steps += job.get("steps", [])
    return [s["run"] for s in steps if "run" in s]


@pytest.mark.parametrize("path", [ACTION, *WORKFLOWS], ids=lambda p: p.name)
def test_no_expression_inside_run_and_every_action_pinned(path):
    doc = yaml.safe_load(path.read_text())
    for script in _run_blocks(doc):
        assert "${{" not in script, f"{path.name}: pass values through env:, not ${{{{ }}}} in run:\n{script}"
    steps = list(doc.get("runs", {}).get("steps", []))
    for job in (doc.get("jobs") or {}).values():
        steps += job.get("steps", [])
    for s in steps:
        uses = s.get("uses")
        if uses and not uses.startswith("./"):
            assert SHA_PIN.match(uses), f"{path.name}: {uses} is not pinned to a full commit SHA"


def test_every_input_reaches_the_toolkit_and_every_output_is_set():
    action = _action()
    run = next(s for s in action["runs"]["steps"] if s.get("id") == "run")
    env = run["env"]
    for name in set(action["inputs"]) - {"python-version"}:  # python-version is for setup-python
        key = "INPUT_" + name.upper().replace("-", "_")
        assert env.get(key) == f"${{{{ inputs.{name} }}}}", f"input {name} is not passed as {key}"
    for name in ("applied", "backup-uri", "deployment-id", "plan-markdown", "result"):
        assert action["outputs"][name]["value"] == f"${{{{ steps.run.outputs.{name} }}}}"
    required = {"command", "environment", "database-url", "migrations-dir", "s3-bucket", "s3-prefix", "aws-region",
                "s3-endpoint-url", "github-token", "health-check-url", "health-check-deadline",
                "health-check-timeout", "health-check-interval", "health-check-retries",
                "health-check-expected-status", "rollback-workflow", "auto-rollback", "dry-run", "python-version",
                "rollback-mode", "rollback-migrations", "backup-uri"}
    assert required <= set(action["inputs"])
    assert action["inputs"]["github-token"]["default"] == "${{ github.token }}"
    assert action["inputs"]["health-check-deadline"]["default"] == "120"


def test_rollback_workflow_contract():
    wf = yaml.safe_load((REPO / ".github/workflows/rollback.yml").read_text())
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads `on` as true
    inputs = on["workflow_dispatch"]["inputs"]
    assert inputs["environment"]["type"] == "choice"
    assert inputs["mode"]["options"] == ["migrations", "restore"]
    assert {"migrations", "backup-uri", "reason", "deployment-id"} <= set(inputs)
    assert "inputs.environment" in wf["concurrency"]["group"] and wf["concurrency"]["cancel-in-progress"] is False
    job = wf["jobs"]["rollback"]
    assert job["environment"] == "${{ inputs.environment }}"
    assert wf["permissions"] == {} and job["permissions"]["deployments"] == "write"
