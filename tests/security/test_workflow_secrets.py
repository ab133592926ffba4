"""Workflows that hold secrets run only the protected branch's code (issue 9, item 6).

The properties are read from the workflow YAML; the ancestry check and the extraction of rollback
scripts are run for real on git repositories built in tmp_path.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
import yaml

REPO = Path(__file__).resolve().parents[2]
WORKFLOWS = REPO / ".github" / "workflows"
CHECK = REPO / "scripts" / "ci" / "check-ref-on-branch.sh"
EXTRACT = REPO / "scripts" / "ci" / "rollback-scripts-at.sh"
DEFAULT_BRANCH_IF = "github.ref == format('refs/heads/{0}', github.event.repository.default_branch)"


def load(name: str) -> dict:
    return yaml.safe_load((WORKFLOWS / name).read_text())


def triggers(doc: dict) -> dict:
    on = doc.get("on", doc.get(True))  # YAML 1.1 reads `on` as true
    return on if isinstance(on, dict) else {t: None for t in ([on] if isinstance(on, str) else on)}


def has_secret(step: dict) -> bool:
    return "secrets." in yaml.safe_dump({k: step.get(k) for k in ("env", "with")})


def runs_own_action(step: dict) -> bool:
    return str(step.get("uses", "")).startswith("./")


def checkout_refs(job: dict) -> list[str]:
    return [str((s.get("with") or {}).get("ref", "")) for s in job.get("steps", [])
            if str(s.get("uses", "")).startswith("actions/checkout@")]


def secret_jobs(doc: dict) -> list[tuple[str, dict]]:
    return [(name, job) for name, job in doc["jobs"].items() if any(has_secret(s) for s in job.get("steps", []))]


def problems(doc: dict) -> list[str]:
    """Why a workflow could run code from an unprotected ref with its secrets (empty: it cannot)."""
    out = []
    dispatchable = "workflow_dispatch" in triggers(doc)
    for name, job in secret_jobs(doc):
        if dispatchable and DEFAULT_BRANCH_IF not in str(job.get("if", "")):
            out.append(f"{name}: runs by hand from any branch (no default-branch `if:`)")
        for ref in checkout_refs(job):
            if "inputs." in ref or "github.event" in ref or "head_ref" in ref:
                out.append(f"{name}: checks out {ref!r}, then runs that ref's code with secrets")
    return out


@pytest.mark.parametrize("name", ["rollback.yml", "deploy.yml"])
def test_jobs_with_secrets_run_only_the_default_branch(name):
    doc = load(name)
    assert secret_jobs(doc), f"{name} has no job with secrets: the test is looking at the wrong file"
    assert problems(doc) == []


def test_rollback_checks_the_requested_commit_before_any_secret():
    job = load("rollback.yml")["jobs"]["rollback"]
    steps = job["steps"]
    check = next(i for i, s in enumerate(steps) if "check-ref-on-branch.sh" in s.get("run", ""))
    action = next(i for i, s in enumerate(steps) if runs_own_action(s))
    first_secret = next(i for i, s in enumerate(steps) if has_secret(s))
    assert check < first_secret and check < action
    assert not has_secret(steps[check])
    # The checked commit supplies rollback SQL only, through the extraction script, to the action's
    # migrations-dir; the action's code is the default branch's checkout.
    assert "rollback-scripts-at.sh" in steps[check]["run"]
    assert steps[check]["run"].index("check-ref-on-branch.sh") < steps[check]["run"].index("rollback-scripts-at.sh")
    assert steps[action]["with"]["migrations-dir"].startswith(f"${{{{ steps.{steps[check]['id']}.outputs.dir")
    assert all(ref == "" for ref in checkout_refs(job)), "check out github.ref (the default branch) only"
    assert next(s for s in steps if "actions/checkout@" in s.get("uses", ""))["with"]["fetch-depth"] == 0


@pytest.mark.parametrize("name", sorted(p.name for p in WORKFLOWS.glob("*.yml")))
def test_no_expression_in_run_scripts(name):
    for job in load(name)["jobs"].values():
        for s in job.get("steps", []):
            assert "${{" not in s.get("run", ""), f"{name}: pass values through env:, not ${{{{ }}}} in run:"


def test_the_old_rollback_workflow_is_caught():
    """The checks above flag the workflow as it was (checkout of the `sha` input, dispatch from anywhere)."""
    old = load("rollback.yml")
    job = old["jobs"]["rollback"]
    job.pop("if", None)
    job["steps"][0]["with"]["ref"] = "${{ inputs.sha || github.sha }}"
    assert len(problems(old)) == 2


# --- the scripts, on real repositories -------------------------------------------------------------

def git(cwd: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.invalid",
                               "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.invalid",
                               "HOME": str(cwd), "PATH": "/usr/bin:/bin:/usr/local/bin"}).stdout.strip()


def commit(repo: Path, files: dict[str, str], message: str) -> str:
    for rel, text in files.items():
        (repo / rel).parent.mkdir(parents=True, exist_ok=True)
        (repo / rel).write_text(text)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", message)
    return git(repo, "rev-parse", "HEAD")


@pytest.fixture
def clone(tmp_path: Path) -> dict:
    """origin: main with two commits, a side branch, an unrelated history; and a full clone of it."""
    origin = tmp_path / "origin"
    origin.mkdir()
    git(origin, "init", "-q", "-b", "main")
    first = commit(origin, {"migrations/1_a.sql": "create table a();\n",
                            "migrations/1_a_rollback.sql": "drop table a;\n", "action.yml": "good\n"}, "a")
    git(origin, "checkout", "-q", "-b", "side")
    side = commit(origin, {"migrations/1_a_rollback.sql": "drop table evil;\n", "action.yml": "evil\n"}, "side")
    git(origin, "checkout", "-q", "--orphan", "other")
    unrelated = commit(origin, {"x": "y\n"}, "unrelated")
    git(origin, "checkout", "-q", "main")
    head = commit(origin, {"migrations/2_b.sql": "create table b();\n", "migrations/2_b_rollback.sql": "drop table b;\n",
                           "migrations/1_a_rollback.sql": "drop table a cascade;\n"}, "b")
    work = tmp_path / "work"
    git(tmp_path, "clone", "-q", str(origin), str(work))
    git(work, "fetch", "-q", "origin", "side", "other")  # present locally, yet not on main
    return {"work": work, "first": first, "head": head, "side": side, "unrelated": unrelated}


def run(script: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(["bash", str(script), *args], cwd=cwd, capture_output=True, text=True, timeout=60)


@pytest.mark.parametrize("which", ["first", "head"])
def test_a_commit_on_the_branch_passes(clone, which):
    r = run(CHECK, clone["work"], clone[which], "origin/main")
    assert r.returncode == 0, r.stderr
    r = run(CHECK, clone["work"], clone[which][:12], "origin/main")  # an abbreviated SHA too
    assert r.returncode == 0, r.stderr


@pytest.mark.parametrize("which", ["side", "unrelated"])
def test_a_commit_off_the_branch_fails_in_one_line(clone, which):
    r = run(CHECK, clone["work"], clone[which], "origin/main")
    assert r.returncode == 1
    assert r.stdout == "" and len(r.stderr.strip().splitlines()) == 1
    assert clone[which] in r.stderr and "not on origin/main" in r.stderr


@pytest.mark.parametrize("bad", ["--upload-pack=touch pwned", "main", "refs/pull/1/head", "HEAD~1", "",
                                 "0" * 40, "abc$(id)"])
def test_anything_but_a_known_commit_sha_fails_in_one_line(clone, bad):
    r = run(CHECK, clone["work"], bad, "origin/main")
    assert r.returncode in (1, 2)
    assert len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert not (clone["work"] / "pwned").exists()
    assert "$(id)" not in r.stderr  # the input is not echoed as is


def test_missing_branch_fails_in_one_line(clone):
    r = run(CHECK, clone["work"], clone["head"], "origin/nope")
    assert r.returncode == 1 and len(r.stderr.strip().splitlines()) == 1


def test_rollback_scripts_come_from_the_commit_and_nothing_else(clone, tmp_path):
    work = clone["work"]
    # The default branch's checkout got a newer rollback script and a forward file since `first`.
    dest = tmp_path / "dest"
    r = run(EXTRACT, work, clone["first"], "migrations", str(dest))
    assert r.returncode == 0, r.stderr
    assert (dest / "1_a_rollback.sql").read_text() == "drop table a;\n"
    # Forward migrations are the protected checkout's; a rollback file the commit did not have stays.
    assert (dest / "2_b.sql").read_text() == "create table b();\n"
    assert (dest / "2_b_rollback.sql").read_text() == "drop table b;\n"
    assert sorted(p.name for p in dest.iterdir()) == sorted(p.name for p in (work / "migrations").iterdir())
    assert (work / "action.yml").read_text() == "good\n"  # the work tree is untouched


def test_extraction_refuses_a_non_sha(clone, tmp_path):
    r = run(EXTRACT, clone["work"], "--output=x", "migrations", str(tmp_path / "d"))
    assert r.returncode == 2 and not (tmp_path / "d").exists()


def test_scripts_pass_shellcheck():
    import shutil
    import sys

    sc = Path(sys.executable).parent / "shellcheck"
    sc_path = str(sc) if sc.exists() else shutil.which("shellcheck")
    assert sc_path, "shellcheck is installed by pip install -e '.[test]'"
    r = subprocess.run([sc_path, str(CHECK), str(EXTRACT)], capture_output=True, text=True)
    assert r.returncode == 0, r.stdout
    assert re.match(r"#!/usr/bin/env bash", CHECK.read_text())
