"""The GitHub Actions runner context: environment, event payload, output files, workflow commands.

Pure functions and file I/O only (no network, no PyGithub). Everything here is safe outside Actions:
the file writers return False when their variable is unset, masking and groups print nothing, and
annotations still print (so `--format github` can be tried locally).

Workflow command syntax and escaping follow the runner (actions/toolkit `command.ts`): data escapes
% CR LF; property values also escape `:` and `,`.
"""

from __future__ import annotations

import json
import os
import sys
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import msgspec

from toolkit.errors import ToolkitError

# The workflow-command text is pure formatting, kept with the other renderers; re-exported here.
from toolkit.report.workflow_commands import (  # noqa: F401
    AnnotationLevel,
    escape_data,
    escape_property,
    format_annotation,
    format_command,
)

DEFAULT_SERVER_URL = "https://github.com"
DEFAULT_API_URL = "https://api.github.com"



class ActionsContext(msgspec.Struct, frozen=True):
    in_actions: bool
    repository: str | None
    server_url: str
    api_url: str
    run_id: str | None
    run_attempt: str | None
    sha: str | None
    ref: str | None
    event_name: str | None
    pr_number: int | None
    head_sha: str | None
    base_ref: str | None
    workspace: str | None
    default_branch: str | None = None  # the repository's, from the event payload

    @property
    def run_url(self) -> str | None:
        """The run's page: the `log_url` of deployment statuses, the `target_url` of commit statuses."""
        if not (self.repository and self.run_id):
            return None
        return run_url(self.server_url, self.repository, self.run_id, self.run_attempt)


def run_url(server_url: str, repository: str, run_id: str, run_attempt: str | None = None) -> str:
    url = f"{server_url.rstrip('/')}/{repository}/actions/runs/{run_id}"
    # A re-run's logs live under its attempt; attempt 1 is the plain run page.
    if run_attempt and run_attempt != "1":
        url += f"/attempts/{run_attempt}"
    return url


def _read_event(path: str | None) -> dict:
    if not path:
        return {}
    try:
        with open(path, encoding="utf-8") as fh:
            event = json.load(fh)
    except FileNotFoundError:
        raise ToolkitError(f"GITHUB_EVENT_PATH points to a missing file: {path}") from None
    except (OSError, ValueError) as exc:
        raise ToolkitError(f"cannot read the event payload at {path}: {exc}") from None
    return event if isinstance(event, dict) else {}


def _pr_fields(event: Mapping) -> tuple[int | None, str | None, str | None]:
    """(PR number, head sha, base ref) from a pull_request* or issue_comment-on-a-PR payload."""
    pr = event.get("pull_request")
    if isinstance(pr, dict):
        number = pr.get("number", event.get("number"))
        head = (pr.get("head") or {}).get("sha")
        base = (pr.get("base") or {}).get("ref")
        return (int(number) if number is not None else None), head, base
    issue = event.get("issue")
    if isinstance(issue, dict) and issue.get("pull_request") and issue.get("number") is not None:
        return int(issue["number"]), None, None
    return None, None, None


def load_context(environ: Mapping[str, str] | None = None) -> ActionsContext:
    env = os.environ if environ is None else environ
    event = _read_event(env.get("GITHUB_EVENT_PATH"))
    pr_number, head_sha, base_ref = _pr_fields(event)
    return ActionsContext(
        in_actions=env.get("GITHUB_ACTIONS") == "true",
        repository=env.get("GITHUB_REPOSITORY") or None,
        server_url=(env.get("GITHUB_SERVER_URL") or DEFAULT_SERVER_URL).rstrip("/"),
        api_url=(env.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/"),
        run_id=env.get("GITHUB_RUN_ID") or None,
        run_attempt=env.get("GITHUB_RUN_ATTEMPT") or None,
        sha=head_sha or env.get("GITHUB_SHA") or None,
        ref=env.get("GITHUB_REF") or None,
        event_name=env.get("GITHUB_EVENT_NAME") or None,
        pr_number=pr_number,
        head_sha=head_sha,
        base_ref=base_ref or env.get("GITHUB_BASE_REF") or None,
        workspace=env.get("GITHUB_WORKSPACE") or None,
        default_branch=(event.get("repository") or {}).get("default_branch") or None,
    )


# --- files the runner reads after the step --------------------------------------------------------

def _append(variable: str, text: str) -> bool:
    path = os.environ.get(variable)
    if not path:
        return False
    try:
        with open(path, "a", encoding="utf-8") as fh:
            fh.write(text)
    except OSError as exc:
        raise ToolkitError(f"cannot write {variable} ({path}): {exc.strerror}") from None
    return True


def _key_value(name: str, value: str) -> str:
    """`name<<DELIM` / value / `DELIM`: the runner's multi-line form, safe for any value."""
    if not name or "\n" in name or "\r" in name or "=" in name or "<<" in name:
        raise ToolkitError(f"invalid name for a GitHub Actions output/env variable: {name!r}")
    value = str(value)
    delimiter = f"ghadelimiter_{uuid.uuid4()}"
    # A value containing the delimiter would end the block early and inject variables.
    if delimiter in value:  # pragma: no cover - a random UUID does not occur by chance
        raise ToolkitError("output value contains the heredoc delimiter")
    return f"{name}<<{delimiter}\n{value}\n{delimiter}\n"


def set_output(name: str, value: str) -> bool:
    return _append("GITHUB_OUTPUT", _key_value(name, value))


def set_outputs(values: Mapping[str, str]) -> bool:
    return _append("GITHUB_OUTPUT", "".join(_key_value(k, v) for k, v in values.items()))


def set_env(name: str, value: str) -> bool:
    if name.upper() in {"NODE_OPTIONS", "PATH"}:
        # The runner refuses NODE_OPTIONS; PATH belongs in GITHUB_PATH.
        raise ToolkitError(f"refusing to set {name} through GITHUB_ENV")
    return _append("GITHUB_ENV", _key_value(name, value))


def append_summary(markdown: str) -> bool:
    return _append("GITHUB_STEP_SUMMARY", markdown if markdown.endswith("\n") else markdown + "\n")


# --- workflow commands ----------------------------------------------------------------------------

def annotate(level: AnnotationLevel, message: str, *, file: str | None = None, line: int | None = None,
             end_line: int | None = None, col: int | None = None, end_column: int | None = None,
             title: str | None = None, stream: IO[str] | None = None) -> None:
    out = stream or sys.stdout
    out.write(format_annotation(level, message, file=file, line=line, end_line=end_line, col=col,
                                end_column=end_column, title=title) + "\n")
    out.flush()


def notice(message: str, **kw) -> None:
    annotate("notice", message, **kw)


def warning(message: str, **kw) -> None:
    annotate("warning", message, **kw)


def error(message: str, **kw) -> None:
    annotate("error", message, **kw)


def _in_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def add_mask(value: str, *, stream: IO[str] | None = None) -> None:
    """Ask the runner to hide `value` in logs. Only inside Actions: outside, echoing the command would
    print the very secret it hides. Each line is masked too, since the runner masks line by line."""
    if not value or not _in_actions():
        return
    out = stream or sys.stdout
    parts = [value] + [ln for ln in value.splitlines() if ln.strip() and ln != value]
    for part in parts:
        out.write(format_command("add-mask", part) + "\n")
    out.flush()


@contextmanager
def group(title: str, *, stream: IO[str] | None = None) -> Iterator[None]:
    """A collapsible log group inside Actions; nothing outside."""
    if not _in_actions():
        yield
        return
    out = stream or sys.stdout
    out.write(format_command("group", title) + "\n")
    out.flush()
    try:
        yield
    finally:
        out.write("::endgroup::\n")
        out.flush()


def workspace_path(path: str | Path, environ: Mapping[str, str] | None = None) -> str:
    """`path` relative to GITHUB_WORKSPACE (annotations need repo-relative paths); unchanged if outside."""
    env = os.environ if environ is None else environ
    p = Path(path)
    root = env.get("GITHUB_WORKSPACE")
    if root and p.is_absolute():
        try:
            return p.resolve().relative_to(Path(root).resolve()).as_posix()
        except ValueError:
            return str(path)
    return p.as_posix()
