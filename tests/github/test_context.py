"""The runner context: event payload, output files, workflow commands and their escaping."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from tests.fixtures.github_api import parse_key_value_file
from toolkit.errors import ToolkitError
from toolkit.github import context as ctx


def test_escaping_follows_the_runner_rules():
    assert ctx.escape_data("50% done\r\nnext") == "50%25 done%0D%0Anext"
    assert ctx.escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"
    # data keeps ':' and ',' (only properties need them escaped)
    assert ctx.escape_data("a:b,c") == "a:b,c"


def test_annotation_with_properties_is_escaped_and_skips_empty_ones():
    line = ctx.format_annotation("warning", "adds NOT NULL column\nwithout default", file="migrations/0001, a:b.sql",
                                 line=12, title="MA101: not-null", col=None)
    assert line == ("::warning file=migrations/0001%2C a%3Ab.sql,line=12,title=MA101%3A not-null::"
                    "adds NOT NULL column%0Awithout default")
    assert ctx.format_annotation("error", "boom") == "::error::boom"
    with pytest.raises(ValueError):
        ctx.format_annotation("fatal", "x")  # type: ignore[arg-type]


def test_annotate_prints_even_outside_actions(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    out = io.StringIO()
    ctx.error("migration failed", file="m.sql", line=3, end_line=4, stream=out)
    assert out.getvalue() == "::error file=m.sql,line=3,endLine=4::migration failed\n"


def test_output_multiline_value_round_trips_through_the_runner_format(actions_runner):
    tricky = "line one\nname=evil\nghadelimiter_x\n%0A literal\n"
    assert ctx.set_output("plan-markdown", tricky)
    assert ctx.set_outputs({"applied": json.dumps(["a", "b"]), "result": "success"})
    outputs = actions_runner.outputs()
    assert outputs == {"plan-markdown": tricky, "applied": '["a", "b"]', "result": "success"}
    assert "name" not in outputs  # a value line did not become an output of its own


def test_output_name_with_newline_or_delimiter_is_refused(actions_runner):
    for bad in ("a\nb", "x<<EOF", "k=v", ""):
        with pytest.raises(ToolkitError):
            ctx.set_output(bad, "v")
    assert actions_runner.output_file.read_text() == ""


def test_summary_appends_and_env_is_exported(actions_runner):
    assert ctx.append_summary("## Deploy\n| step | time |")
    assert ctx.append_summary("done")
    assert actions_runner.summary() == "## Deploy\n| step | time |\ndone\n"
    assert ctx.set_env("MIGRATE_ACTION_BACKUP_URI", "s3://b/k.dump")
    assert actions_runner.exported_env() == {"MIGRATE_ACTION_BACKUP_URI": "s3://b/k.dump"}
    with pytest.raises(ToolkitError):
        ctx.set_env("NODE_OPTIONS", "--require x")


def test_file_writers_are_no_ops_outside_actions(monkeypatch: pytest.MonkeyPatch):
    for var in ("GITHUB_OUTPUT", "GITHUB_STEP_SUMMARY", "GITHUB_ENV"):
        monkeypatch.delenv(var, raising=False)
    assert ctx.set_output("a", "b") is False
    assert ctx.append_summary("x") is False
    assert ctx.set_env("A", "b") is False


def test_unwritable_output_file_is_one_clear_error(monkeypatch: pytest.MonkeyPatch, tmp_path: Path):
    monkeypatch.setenv("GITHUB_OUTPUT", str(tmp_path / "missing-dir" / "out"))
    with pytest.raises(ToolkitError, match="cannot write GITHUB_OUTPUT"):
        ctx.set_output("a", "b")


def test_add_mask_masks_each_line_inside_actions_only(monkeypatch: pytest.MonkeyPatch):
    out = io.StringIO()
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)
    ctx.add_mask("s3cr%t", stream=out)
    assert out.getvalue() == ""  # outside Actions, echoing the command would print the secret
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    ctx.add_mask("pa:ss\nword2", stream=out)
    assert out.getvalue().splitlines() == ["::add-mask::pa:ss%0Aword2", "::add-mask::pa:ss", "::add-mask::word2"]


def test_group_only_inside_actions(monkeypatch: pytest.MonkeyPatch):
    out = io.StringIO()
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    with pytest.raises(RuntimeError), ctx.group("Backup, then migrate", stream=out):
        out.write("inside\n")
        raise RuntimeError
    assert out.getvalue() == "::group::Backup, then migrate\ninside\n::endgroup::\n"
    monkeypatch.delenv("GITHUB_ACTIONS")
    quiet = io.StringIO()
    with ctx.group("x", stream=quiet):
        pass
    assert quiet.getvalue() == ""


def test_load_context_reads_the_pull_request_event(actions_runner):
    c = ctx.load_context()
    assert c.in_actions and c.pr_number == 7 and c.base_ref == "main" and c.head_sha == "a" * 40
    assert c.sha == "a" * 40  # the PR head, not the merge commit GITHUB_SHA names
    assert c.run_url == "https://github.com/octo-org/app/actions/runs/9001"
    actions_runner.write_event({"ref": "refs/heads/main", "after": "c" * 40}, name="push")
    c = ctx.load_context({**actions_runner.env, "GITHUB_SHA": "c" * 40, "GITHUB_RUN_ATTEMPT": "2"})
    assert c.pr_number is None and c.sha == "c" * 40
    assert c.run_url == "https://github.com/octo-org/app/actions/runs/9001/attempts/2"


def test_load_context_issue_comment_on_a_pull_request(tmp_path: Path):
    event = tmp_path / "e.json"
    event.write_text(json.dumps({"issue": {"number": 12, "pull_request": {"url": "x"}}}))
    assert ctx.load_context({"GITHUB_EVENT_PATH": str(event)}).pr_number == 12
    event.write_text(json.dumps({"issue": {"number": 13}}))  # a plain issue, not a PR
    assert ctx.load_context({"GITHUB_EVENT_PATH": str(event)}).pr_number is None


def test_load_context_outside_actions_and_broken_event(tmp_path: Path):
    c = ctx.load_context({})
    assert not c.in_actions and c.run_url is None and c.api_url == "https://api.github.com"
    bad = tmp_path / "bad.json"
    bad.write_text("{not json")
    with pytest.raises(ToolkitError, match="cannot read the event payload"):
        ctx.load_context({"GITHUB_EVENT_PATH": str(bad)})
    with pytest.raises(ToolkitError, match="missing file"):
        ctx.load_context({"GITHUB_EVENT_PATH": str(tmp_path / "nope.json")})


def test_workspace_path(tmp_path: Path):
    env = {"GITHUB_WORKSPACE": str(tmp_path)}
    assert ctx.workspace_path(tmp_path / "migrations" / "a.sql", env) == "migrations/a.sql"
    assert ctx.workspace_path("migrations/a.sql", env) == "migrations/a.sql"
    assert ctx.workspace_path("/elsewhere/a.sql", env) == "/elsewhere/a.sql"


def test_parse_key_value_file_rejects_an_unclosed_block(tmp_path: Path):
    # The test helper must fail on what the runner would fail on, or the output tests prove nothing.
    path = tmp_path / "out"
    path.write_text("a<<EOF\nvalue\n")
    with pytest.raises(ValueError):
        parse_key_value_file(path)
