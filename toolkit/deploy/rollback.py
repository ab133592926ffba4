"""Undo a deploy, the way on-call (or the automatic dispatch) asks for it:

- `migrations`: run the named migrations' rollback scripts, newest first, each in its own
  transaction with its tracking row (the engine's rollback). Stops at the first failure: what was
  undone stays undone, and the summary says what is left.
- `restore`: restore the backup taken before the deploy over the database.

Then the deployment gets its new state: `inactive` ("rolled back") or `error` (the rollback failed).
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from toolkit.config import Config
from toolkit.console import info
from toolkit.deploy import backups
from toolkit.deploy.decide import ROLLBACK_MODES, check_newest_first
from toolkit.deploy.github_port import GitHubReporter, NoGitHub
from toolkit.deploy.story import Story
from toolkit.errors import ToolkitError, UsageError

ROLLED_BACK, FAILURE = "rolled-back", "failure"


class RollbackRequest(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    database_url: str
    mode: str
    migrations: tuple[str, ...] = ()
    backup_uri: str | None = None
    reason: str = ""
    deployment_id: int | None = None

    def check(self) -> None:
        """Every input problem, before anything is touched."""
        if self.mode not in ROLLBACK_MODES:
            raise UsageError(f"rollback mode must be one of {', '.join(ROLLBACK_MODES)}, got {self.mode!r}")
        if self.mode == "migrations":
            if not self.migrations:
                raise UsageError("rollback mode 'migrations' needs the migrations to undo, newest first",
                                 hint="e.g. 20250115_100000_index_users_email,20250110_100000_widen_users_nickname")
            check_newest_first(self.migrations)
        if self.mode == "restore":
            if not self.backup_uri:
                raise UsageError("rollback mode 'restore' needs the backup URI (s3://bucket/key)",
                                 hint="the failed deploy's summary and its `backup-uri` output give it; "
                                      "`list-backups --env ENV` lists them")
            if not self.backup_uri.startswith("s3://"):
                raise UsageError(f"backup URI must start with s3://, got {self.backup_uri[:80]!r}")
        self.config.environment(self.env_name)


class RollbackOutcome(msgspec.Struct):
    result: str
    story: Story
    environment: str
    mode: str
    undone: list[str] = msgspec.field(default_factory=list)  # newest first, as undone
    remaining: list[str] = msgspec.field(default_factory=list)
    error: str | None = None
    error_file: str | None = None
    error_line: int | None = None

    @property
    def ok(self) -> bool:
        return self.result == ROLLED_BACK

    def to_dict(self) -> dict:
        return {"result": self.result, "environment": self.environment, "mode": self.mode,
                "undone": self.undone, "remaining": self.remaining, "error": self.error,
                "steps": [{"step": s.key, "title": s.title, "status": s.status, "ms": round(s.ms, 1),
                           "detail": s.detail} for s in self.story.steps]}


def _mark(request: RollbackRequest, reporter, state: str, description: str) -> None:
    if reporter.enabled and request.deployment_id:
        reporter.set_state(request.deployment_id, request.env_name, state, description)


def _undo_migrations(request: RollbackRequest, out: RollbackOutcome, progress: Callable[[str], None]) -> None:
    """The rollback scripts, newest first, each with its tracking row; what is left stays listed."""
    from toolkit.db import connect
    from toolkit.migrations import runner

    story = out.story
    with connect(request.database_url) as conn:
        with story.step("check", "Check what is applied") as rec:
            states = {s.name: s.state for s in runner.read_states(conn, request.config)}
            todo = [n for n in request.migrations if states.get(n) in ("applied", "changed", "failed")]
            gone = [n for n in request.migrations if n not in todo]
            unknown = [n for n in gone if n not in states]
            if unknown:
                raise UsageError(f"unknown migration(s): {', '.join(unknown)}",
                                 hint="no such file in the migrations folder and no tracking row")
            rec.detail = f"to undo: {', '.join(todo) or 'nothing'}"
            if gone:
                rec.detail += f"; already not applied: {', '.join(gone)}"
        out.remaining = list(todo)
        for name in todo:
            with story.step("rollback", f"Roll back {name}") as rec:
                result = runner.rollback(conn, request.config, request.env_name, name, progress=progress)
                out.undone += result.rolled_back
                out.remaining.remove(name)
                rec.detail = "rollback script ran; tracking row removed"


def rollback_deploy(request: RollbackRequest, reporter: GitHubReporter | NoGitHub | None = None,
                    progress: Callable[[str], None] = info) -> RollbackOutcome:
    from toolkit.deploy.pipeline import _locate

    request.check()
    reporter = reporter or NoGitHub()
    env = request.config.environment(request.env_name)
    story = Story(f"migrate-action rollback of {request.env_name} ({request.mode})")
    out = RollbackOutcome(FAILURE, story, request.env_name, request.mode)
    try:  # marking is a courtesy: without `deployments: write` the rollback still runs
        _mark(request, reporter, "in_progress", f"rolling back ({request.mode}): {request.reason}")
    except ToolkitError as exc:
        from toolkit.console import warn

        warn(f"could not mark deployment {request.deployment_id}: {exc.message}")
    try:
        if request.mode == "migrations":
            _undo_migrations(request, out, progress)
        else:
            with story.step("restore", "Restore backup") as rec:
                rec.detail = backups.restore(request.config, env, request.database_url, request.backup_uri or "")
    except (ToolkitError, KeyboardInterrupt) as exc:
        out.error = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        out.error_file, out.error_line = _locate(exc)
        left = f"; still applied: {', '.join(out.remaining)}" if out.remaining else ""
        _mark(request, reporter, "error", f"rollback failed: {out.error}{left}")
        return out

    out.result = ROLLED_BACK
    if reporter.enabled and request.deployment_id:
        with story.step("report", "Mark deployment rolled back") as rec:
            what = ", ".join(out.undone) if request.mode == "migrations" else f"restored {request.backup_uri}"
            _mark(request, reporter, "inactive", f"rolled back ({what}): {request.reason}")
            rec.detail = f"deployment {request.deployment_id}: inactive (rolled back)"
    return out
