"""The plan's rollback safety class (from the parsed files) and proofs (verify-rollbacks JSON): the
Rollback and Safety columns in every renderer, `--proofs` on plan and comment, and the rehearsal
section of the sticky comment."""

from __future__ import annotations

import json
from pathlib import Path

from tests.plan.test_plan_cli import BASE, BASE_RB, SAFE, SAFE_RB, _write
from tests.plan.test_render import PREFS, _plan
from toolkit.plan.build import with_safety
from toolkit.plan.model import PendingMigration
from toolkit.proof.safety import classify_files
from toolkit.report import render

ADD_PREFS = PendingMigration("20250103_000000_add_prefs", "m/20250103_000000_add_prefs.sql", SAFE,
                             "m/20250103_000000_add_prefs_rollback.sql", SAFE_RB)
NO_ROLLBACK = PendingMigration("20250104_000000_prefs", "m/20250104_000000_prefs.sql", PREFS)


def _row(body: str, name: str) -> list[str]:
    line = next(ln for ln in body.splitlines() if ln.startswith(f"| `{name}`"))
    return [c.strip() for c in line.strip("|").split(" | ")]


def test_safety_class_comes_from_the_files_in_every_renderer() -> None:
    plan = with_safety(_plan([ADD_PREFS, NO_ROLLBACK]), classify_files)
    assert [m.safety.safety_class for m in plan.migrations] == ["expand-only", "forward-only"]
    assert all(m.safety.proved is None for m in plan.migrations)

    body = render(plan, "markdown")
    assert "| Migration | Statements | Worst lock | Findings | Rollback | Safety |" in body
    assert _row(body, ADD_PREFS.name)[4:] == ["✅ yes · static only", "🟢 expand-only"]
    assert _row(body, NO_ROLLBACK.name)[4:] == ["❌ missing", "🔴 forward-only"]

    text = render(plan, "text")
    assert "rollback: yes (static only), safety: expand-only" in text
    assert "safety: forward-only" in text
    data = json.loads(render(plan, "json"))
    assert data["migrations"][0]["safety"] == {"class": "expand-only", "reason": plan.migrations[0].safety.reason,
                                               "proved": None, "rollback": "static only"}


def test_plans_without_safety_keep_their_table() -> None:
    body = render(_plan([ADD_PREFS]), "markdown")  # lint builds plans without classifying them
    assert "| Migration | Statements | Worst lock | Findings | Rollback |\n" in body and "Safety" not in body
    assert json.loads(render(_plan([ADD_PREFS]), "json"))["migrations"][0]["safety"] is None


def test_proofs_say_proved_or_failed_and_their_class_wins() -> None:
    proofs = {ADD_PREFS.name: {"proved": True, "safety_class": "expand-only"},
              NO_ROLLBACK.name: {"proved": None, "safety_class": "forward-only"}}
    body = render(with_safety(_plan([ADD_PREFS, NO_ROLLBACK]), classify_files, proofs), "markdown")
    assert _row(body, ADD_PREFS.name)[4] == "✅ yes · proved"

    failed = {ADD_PREFS.name: {"proved": False, "safety_class": "destructive-on-rollback"}}
    plan = with_safety(_plan([ADD_PREFS]), classify_files, failed)
    assert _row(render(plan, "markdown"), ADD_PREFS.name)[4:] == ["❌ yes · failed", "🟠 destructive on rollback"]
    assert json.loads(render(plan, "json"))["migrations"][0]["safety"]["rollback"] == "failed"


def test_a_rehearsal_section_goes_after_the_findings() -> None:
    from toolkit.report.markdown import render as markdown

    section = "### Measured on a copy of production\n\n| a | b |\n|---|---|\n"
    body = markdown(with_safety(_plan([ADD_PREFS]), classify_files), marker="<!-- m -->", sections=(section,))
    assert body.index("</details>") < body.index("### Measured on a copy of production") < body.index("<sub>")


def test_plan_cli_reads_proofs(run_cli, tmp_path: Path, db_url: str) -> None:
    mdir = tmp_path / "migrations"
    _write(mdir, "20250101_000000_create_accounts", BASE, BASE_RB)
    proofs = tmp_path / "proofs.json"
    proofs.write_text(json.dumps({"ok": True, "migrations": [
        {"name": "20250101_000000_create_accounts", "status": "proved", "proved": True,
         "safety_class": "expand-only", "safety_reason": "new table"}]}))
    out = run_cli("plan", "--env", "dev", "--database-url", db_url, "--dir", str(mdir), "--format", "json",
                  "--proofs", str(proofs))
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout)["migrations"][0]["safety"] == {
        "class": "expand-only", "reason": "new table", "proved": True, "rollback": "proved"}

    proofs.write_text("{not json")
    bad = run_cli("plan", "--env", "dev", "--database-url", db_url, "--dir", str(mdir), "--proofs", str(proofs))
    assert bad.returncode == 2 and "--proofs" in bad.stderr and "not JSON" in bad.stderr
    assert "Traceback" not in bad.stderr and len(bad.stderr.strip().splitlines()) <= 2
    proofs.write_text("[1, 2]")
    wrong = run_cli("plan", "--env", "dev", "--database-url", db_url, "--dir", str(mdir), "--proofs", str(proofs))
    assert wrong.returncode == 2 and "not the output of `verify-rollbacks --format json`" in wrong.stderr


def test_comment_includes_the_rehearsal_file(run_cli, tmp_path: Path, db_url: str, github_api,
                                             actions_runner) -> None:
    mdir = tmp_path / "migrations"
    _write(mdir, "20250101_000000_create_accounts", BASE, BASE_RB)
    section = tmp_path / "rehearsal.md"
    section.write_text("### Measured on a copy of production\n\nlongest blocking 12 ms\n")
    env = {**actions_runner.env, **github_api.env, "MIGRATE_ACTION_REHEARSAL_FILE": str(section)}
    out = run_cli("comment", "--env", "dev", "--database-url", db_url, "--dir", str(mdir), env=env)
    assert out.returncode == 0, out.stderr
    body = github_api.comments(7)[0]["body"]
    assert "### Measured on a copy of production" in body and "longest blocking 12 ms" in body
    assert "| Safety |" in body  # the comment use case classifies too

    env["MIGRATE_ACTION_REHEARSAL_FILE"] = str(tmp_path / "absent.md")  # the rehearsal did not run: no section
    again = run_cli("comment", "--env", "dev", "--database-url", db_url, "--dir", str(mdir), env=env)
    assert again.returncode == 0, again.stderr
    assert "Measured on a copy" not in github_api.comments(7)[0]["body"]
