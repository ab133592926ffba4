"""Item 20: one registry of rule ids for config, --list-rules and suppression comments."""

from __future__ import annotations

from tests.hardening.conftest import one_error
from toolkit.sql.lint import LintOptions, lint_text
from toolkit.sql.rules import registry

GOOD = "20240101_000000_good"


def test_every_listed_rule_can_be_disabled(tmp_path, mdir, run_cli):
    listed = [line.split()[0] for line in run_cli("lint", "--list-rules").stdout.splitlines()]
    assert "edited-migration" in listed and "syntax-error" in listed and "rollback-missing" in listed
    assert set(listed) <= set(registry())
    (mdir / f"{GOOD}.sql").write_text("CREATE TABLE good (id bigint);\n")
    (tmp_path / "migrate-action.toml").write_text(f"[lint]\ndisable = {listed!r}\n".replace("'", '"'))
    r = run_cli("lint", "--dir", str(mdir), env={"NO_COLOR": "1"})
    assert r.returncode == 0, r.stderr


def test_an_unknown_disabled_rule_names_the_closest(tmp_path, mdir, run_cli):
    (mdir / f"{GOOD}.sql").write_text("CREATE TABLE good (id bigint);\n")
    (tmp_path / "migrate-action.toml").write_text('[lint]\ndisable = ["edited-migrations"]\n')
    r = run_cli("lint", "--dir", str(mdir), env={"NO_COLOR": "1"})
    assert r.returncode == 2
    one_error(r, "[lint] disable: unknown rule 'edited-migrations' (did you mean 'edited-migration'?)")


def test_an_unknown_rule_in_a_suppression_comment_is_a_warning():
    sql = ("-- migrate-action: ignore prefer-timestamp\nCREATE TABLE t (id bigint, at timestamp);\n"
           "-- migrate-action: ignore-file ban-drop-colum  (approved by the DBA)\n")
    report = lint_text(sql, "x.sql", opts=LintOptions(check_rollback=False))
    unknown = [f for f in report.findings if f.rule == "unknown-rule-id"]
    assert [(f.line, f.severity) for f in unknown] == [(1, "warning"), (3, "warning")]
    assert "'prefer-timestamp' (did you mean 'prefer-timestamptz'?)" in unknown[0].message
    assert "'ban-drop-colum' (did you mean 'ban-drop-column'?)" in unknown[1].message
    # prose after the id list is not read as more ids
    assert not any("approved" in f.message or "dba" in f.message for f in unknown)
    assert any(f.rule == "prefer-timestamptz" for f in report.findings)  # the misspelt one suppressed nothing


def test_known_suppressions_raise_no_warning():
    sql = "-- migrate-action: ignore prefer-timestamptz, prefer-text-field\nCREATE TABLE t (at timestamp);\n"
    report = lint_text(sql, "x.sql", opts=LintOptions(check_rollback=False))
    assert [f.rule for f in report.findings] == []
