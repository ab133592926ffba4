"""A database password is never printed, whatever shape the URL is in (issue 9, item 7).

Every command that takes a database URL is run through the real CLI with malformed and odd URLs, in
text and JSON, and no piece of the password (as typed, percent-decoded or percent-encoded) may appear
on stdout or stderr. Servers are real: the URLs that parse point at a closed port on 127.0.0.1, or at
the test cluster with a wrong password.
"""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

from toolkit.db import UNPARSEABLE, redact, secrets_of

# Two halves, so a piece of the password (the part libpq took for a host, say) is caught too.
A, B = "Sekr1t", "Qz9Xv"
PIECES = (A, B, A.lower(), B.lower())

BAD_URLS = {
    "bad-percent-encoding": f"postgresql://app:{A}%ZZ{B}@127.0.0.1:1/app",
    "unclosed-ipv6-bracket": f"postgresql://app:{A}{B}@[::1:5432/app",
    "query-password": f"postgresql://app@127.0.0.1:1/app?password={A}%2F{B}",
    "query-sslpassword": f"postgresql://app@127.0.0.1:1/app?sslmode=disable&sslpassword={A}{B}",
    "query-password-bad-encoding": f"postgresql://app@127.0.0.1:1/app?password={A}%G{B}",
    "keyword-conninfo": f"host=127.0.0.1 port=1 user=app password={A}{B}",
    "keyword-unterminated-quote": f"host=127.0.0.1 port=1 password='{A} {B}",
    "keyword-two-words": f"host=127.0.0.1 port=1 password={A} {B}",
    "bare-at-in-password": f"postgresql://app:{A}@{B}@127.0.0.1:1/app",
    "encoded-password": f"postgresql://app:{A}%40{B}@127.0.0.1:1/app",
}


def leaks(text: str) -> list[str]:
    return [p for p in PIECES if p in text]


@pytest.fixture
def project(tmp_path: Path) -> Path:
    mdir = tmp_path / "migrations"
    mdir.mkdir()
    (mdir / "20240105_000000_add_widgets.sql").write_text("BEGIN;\nCREATE TABLE widgets (id int);\nCOMMIT;\n")
    (mdir / "20240105_000000_add_widgets_rollback.sql").write_text("BEGIN;\nDROP TABLE widgets;\nCOMMIT;\n")
    return tmp_path


def invoke(args: list[str], cwd: Path, monkeypatch: pytest.MonkeyPatch, env: dict[str, str]) -> tuple[int, str]:
    """The real CLI in this process (a subprocess each would take minutes for this many runs)."""
    from toolkit.cli import main as cli

    for key in [k for k in os.environ if k.startswith(("DATABASE_URL", "MIGRATIONS_DIR", "GITHUB_"))]:
        monkeypatch.delenv(key)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    monkeypatch.chdir(cwd)
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            cli.main(args=args, prog_name="migrate-action", standalone_mode=True)
            code = 0
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 1
    return code, out.getvalue() + err.getvalue()


def commands(uri: str) -> list[list[str]]:
    """Every command that reads a database URL (from DATABASE_URL_DEV), text and JSON where offered."""
    name = "20240105_000000_add_widgets"
    base = [
        ["status"], ["status", "--format", "json"],
        ["migrate", "--yes"], ["migrate", "--yes", "--format", "json"], ["migrate", "--dry-run"],
        ["rollback", "--name", name, "--yes"],
        ["mark", "--name", name, "--as", "applied", "--yes"],
        ["rebaseline", "--name", name, "--yes"],
        ["plan"], ["plan", "--format", "json"], ["plan", "--format", "markdown"], ["plan", "--format", "github"],
        ["backup"], ["backup", "--format", "json"],
        ["restore", "--uri", uri, "--yes"],
        ["deploy", "--yes", "--no-auto-rollback"], ["deploy", "--yes", "--no-auto-rollback", "--format", "json"],
        ["rollback-deploy", "--yes", "--migrations", name, "--reason", "test"],
        ["rollback-deploy", "--yes", "--migrations", name, "--reason", "test", "--format", "json"],
        ["health-check", "--sql", "SELECT 1", "--deadline", "1", "--count", "1"],
        ["health-check", "--sql", "SELECT 1", "--deadline", "1", "--count", "1", "--format", "json"],
    ]
    return [[c[0], "--env", "dev", *c[1:]] for c in base]


@pytest.mark.parametrize("case", sorted(BAD_URLS))
def test_no_command_prints_any_form_of_the_password(case, project, backup_uri, s3, monkeypatch):
    url = BAD_URLS[case]
    found = []
    reached = 0
    for args in commands(backup_uri):
        code, output = invoke(args, project, monkeypatch, {**s3.env, "DATABASE_URL_DEV": url})
        if leaks(output):
            found.append(f"{' '.join(args)} (exit {code}):\n{output}")
        reached += UNPARSEABLE in output or "cannot connect" in output
    # verify-backup takes its URL as --scratch-url.
    for fmt in ("text", "json"):
        code, output = invoke(["verify-backup", "--uri", backup_uri, "--restore-test", "--scratch-url", url,
                               "--no-record", "--format", fmt], project, monkeypatch, s3.env)
        if leaks(output):
            found.append(f"verify-backup --format {fmt} (exit {code}):\n{output}")
    assert not found, "\n\n".join(found)
    assert reached >= 10, "the commands never got as far as the database URL: the test proves nothing"


@pytest.fixture
def backup_uri(db_url, s3, project, monkeypatch) -> str:
    """A real backup, so restore and verify-backup go as far as using the URL."""
    code, output = invoke(["backup", "--env", "dev", "--format", "json"], project, monkeypatch,
                          {**s3.env, "DATABASE_URL_DEV": db_url})
    assert code == 0, output
    return json.loads(output[output.index("{"):output.rindex("}") + 1])["uri"]


def test_a_wrong_password_in_the_query_string_is_not_echoed(pg, db_name, project, monkeypatch):
    url = f"postgresql://{pg.user}@127.0.0.1:{pg.port}/{db_name}?password={A}%2F{B}"
    for args in (["status", "--env", "dev"], ["status", "--env", "dev", "--format", "json"],
                 ["migrate", "--env", "dev", "--yes"]):
        code, output = invoke(args, project, monkeypatch, {"DATABASE_URL_DEV": url})
        assert code != 0 and "password authentication failed" in output
        assert not leaks(output), output


def test_unparseable_urls_are_not_shown_at_all(project, monkeypatch):
    code, output = invoke(["status", "--env", "dev"], project, monkeypatch,
                          {"DATABASE_URL_DEV": BAD_URLS["bad-percent-encoding"]})
    assert code == 2
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert lines == [f"error: invalid database URL {UNPARSEABLE}: invalid percent-encoded token"]
    code, output = invoke(["status", "--env", "dev"], project, monkeypatch,
                          {"DATABASE_URL_DEV": BAD_URLS["unclosed-ipv6-bracket"]})
    assert code == 2 and "127.0.0.1" not in output and "::1" not in output and '"]"' in output


@pytest.mark.parametrize("url, shown", [
    (f"postgresql://app:{A}{B}@db:5432/app", "postgresql://app:***@db:5432/app"),
    (f"postgresql://app@db/app?sslmode=require&password={A}", "postgresql://app@db/app?sslmode=require&password=***"),
    (f"host=db password='{A} {B}' dbname=app", "host=db password=*** dbname=app"),
    (f"host=db sslpassword={A}{B}", "host=db sslpassword=***"),
    (f"postgresql://app:{A}%ZZ@db/app", UNPARSEABLE),
])
def test_redact(url, shown):
    assert redact(url) == shown


def test_every_form_of_a_password_is_known():
    forms = secrets_of(f"postgresql://app:{A}%2F{B}@db/app")
    assert {f"{A}%2F{B}", f"{A}/{B}", f"{A}%2f{B}".lower()} <= forms
    assert f"{A}%ZZ{B}" in secrets_of(BAD_URLS["bad-percent-encoding"])
    assert f"{A}{B}" in secrets_of(BAD_URLS["unclosed-ipv6-bracket"])
    assert B in secrets_of(BAD_URLS["bare-at-in-password"])


def masked_action_output(url: str, tmp_path: Path, command: str = "status") -> tuple[str, list[str]]:
    """Run the action's entry point as the runner would, then hide what it asked to mask."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DATABASE_URL", "INPUT_", "GITHUB_"))}
    env.update({"GITHUB_ACTIONS": "true", "INPUT_COMMAND": command, "INPUT_ENVIRONMENT": "dev",
                "INPUT_DATABASE_URL": url, "INPUT_MIGRATIONS_DIR": "migrations",
                "GITHUB_WORKSPACE": str(tmp_path)})
    r = subprocess.run([sys.executable, "-m", "toolkit.action"], capture_output=True, text=True, env=env,
                       cwd=tmp_path, timeout=120)
    masks = [ln.split("::", 2)[2] for ln in r.stdout.splitlines() if ln.startswith("::add-mask::")]
    masks = [m.replace("%0D", "\r").replace("%0A", "\n").replace("%25", "%") for m in masks]
    log = "\n".join(ln for ln in (r.stdout + r.stderr).splitlines() if not ln.startswith("::add-mask::"))
    for m in sorted(masks, key=len, reverse=True):
        log = log.replace(m, "***")
    return log, masks


@pytest.mark.parametrize("case", ["bad-percent-encoding", "unclosed-ipv6-bracket", "query-password",
                                  "keyword-conninfo", "bare-at-in-password"])
def test_the_action_masks_every_form(case, project):
    url = BAD_URLS[case]
    log, masks = masked_action_output(url, project)
    assert not leaks(log), log
    assert "error" in log
    # Masked even in the forms nothing printed this time (a later step, a third-party tool might).
    for form in secrets_of(url):
        assert form in masks
