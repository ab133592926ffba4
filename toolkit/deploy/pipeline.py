"""The deploy: deployment `in_progress` -> backup -> verify -> migrate -> health checks -> `success`.

Any failure marks the deployment `failure` with the step that failed. When health checks fail after
migrations were applied, the rollback workflow is dispatched once, with what it needs to undo them.
The outcome is returned, never raised, so the caller can always write outputs and the summary; only
a problem before anything started (bad input) is raised.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import msgspec

from toolkit.config import Config
from toolkit.console import info
from toolkit.deploy import backups
from toolkit.deploy.decide import deployment_description, dispatch_inputs
from toolkit.deploy.github_port import GitHubReporter, NoGitHub
from toolkit.deploy.story import FAILED, Story
from toolkit.errors import ToolkitError
from toolkit.health import HealthResult, Policy, SqlCheck, http_check, run_health_checks
from toolkit.health.report import render_markdown as health_markdown

SUCCESS, FAILURE, NOTHING, DRY_RUN = "success", "failure", "nothing-to-do", "dry-run"


class HealthSpec(msgspec.Struct, frozen=True):
    urls: tuple[str, ...] = ()
    expected: frozenset[int] = frozenset(range(200, 300))
    body_match: str | None = None
    sql: str | None = None
    policy: Policy = msgspec.field(default_factory=Policy)

    def __post_init__(self) -> None:
        for url in self.urls:
            http_check(url, self.expected, self.body_match)  # refuses a bad URL before anything runs

    @property
    def configured(self) -> bool:
        return bool(self.urls or self.sql)

    def checks(self, database_url: str) -> list:
        out: list = [http_check(u, self.expected, self.body_match) for u in self.urls]
        if self.sql:
            out.append(SqlCheck(database_url, self.sql))
        return out


class DeployRequest(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    database_url: str
    health: HealthSpec = msgspec.field(default_factory=HealthSpec)
    auto_rollback: bool = True
    rollback_workflow: str = "rollback.yml"
    dry_run: bool = False
    allow_out_of_order: bool = False
    render_plan: bool = True  # the lock-aware plan of what is pending, for the `plan-markdown` output
    # Before anything is written: raises ToolkitError to stop the deploy (drift = "refuse"), or returns
    # one line for the story (the use case wires the environment's drift check here).
    drift_check: Callable[[], str] | None = None


class DeployOutcome(msgspec.Struct):
    result: str
    story: Story
    environment: str
    pending: list[str] = msgspec.field(default_factory=list)
    applied: list[str] = msgspec.field(default_factory=list)  # oldest first, as applied
    backup_uri: str | None = None
    deployment_id: int | None = None
    health: HealthResult | None = None
    dispatched: dict[str, str] | None = None
    safety: dict[str, str] = msgspec.field(default_factory=dict)  # migration -> rollback safety class
    data_loss: dict | None = None  # what the chosen way back would lose (DataLossPreview.to_dict())
    error: str | None = None
    error_hint: str | None = None
    error_file: str | None = None
    error_line: int | None = None
    plan_markdown: str | None = None

    @property
    def ok(self) -> bool:
        return self.result in (SUCCESS, NOTHING, DRY_RUN)

    @property
    def failed_step(self) -> str | None:
        s = self.story.failed_step()
        return s.title if s else None

    def to_dict(self) -> dict:
        return {"result": self.result, "environment": self.environment, "pending": self.pending,
                "applied": self.applied, "backup_uri": self.backup_uri, "deployment_id": self.deployment_id,
                "failed_step": self.failed_step, "error": self.error, "dispatched": self.dispatched,
                "safety": self.safety, "data_loss": self.data_loss,
                "health": self.health.to_dict() if self.health else None,
                "steps": [{"step": s.key, "title": s.title, "status": s.status, "ms": round(s.ms, 1),
                           "detail": s.detail} for s in self.story.steps]}


def _locate(exc: BaseException) -> tuple[str | None, int | None]:
    """The file and line at fault, from the error's own fields (ToolkitError.path/line)."""
    path, line = getattr(exc, "path", None), getattr(exc, "line", None)
    return (str(path), int(line)) if path and line else (None, None)


class _StepFailed(Exception):
    """A step failed and the outcome is final (already marked failure)."""


class _Run(msgspec.Struct):
    """One deploy in progress: what each step reads and writes."""

    request: DeployRequest
    reporter: GitHubReporter | NoGitHub
    progress: Callable[[str], None]
    out: DeployOutcome
    plan: list = msgspec.field(default_factory=list)
    backup_started: datetime | None = None

    @property
    def story(self) -> Story:
        return self.out.story

    @property
    def env_name(self) -> str:
        return self.request.env_name

    def fail(self, exc: BaseException) -> _StepFailed:
        """Record the failure on the outcome and the deployment; the caller raises what this returns."""
        out = self.out
        out.result = FAILURE
        out.error = getattr(exc, "message", None) or str(exc) or type(exc).__name__
        out.error_hint = getattr(exc, "hint", None)
        out.error_file, out.error_line = _locate(exc)
        self.reporter.set_state(out.deployment_id, self.env_name, "failure",
                                deployment_description(out.failed_step, out.error))
        return _StepFailed()

    # 1. What would run. Nothing is reported to GitHub before the inputs and files check out.
    def read_plan(self):
        from toolkit.db import connect
        from toolkit.migrations import runner

        request, config, out = self.request, self.request.config, self.out
        with self.story.step("plan", "Read migrations and database state") as rec:
            conn = connect(request.database_url)
            try:
                states = runner.read_states(conn, config)
                self.plan = runner.pending_plan(states, self.env_name, allow_out_of_order=request.allow_out_of_order
                                                or config.engine.allow_out_of_order)
                for p in self.plan:  # parse and check every file before anything is written
                    runner.load_up(p.file)
            except BaseException:
                conn.close()
                raise
            out.pending = [p.name for p in self.plan]
            out.safety = {p.name: _safety_class(p.file).name for p in self.plan}
            if request.render_plan and self.plan:
                out.plan_markdown = _plan_markdown(config, self.env_name, conn)
            rec.detail = (f"{len(self.plan)} pending: {', '.join(out.pending)}" if self.plan
                          else "the database is up to date")
        return conn

    # 2. The deployment, in progress.
    def start_deployment(self) -> None:
        out, reporter, n = self.out, self.reporter, len(self.plan)
        with self.story.step("deployment", "Create GitHub deployment") as rec:
            if not reporter.enabled:
                rec.status, rec.detail = "skipped", "not in GitHub Actions"
                return
            out.deployment_id = reporter.create_deployment(
                self.env_name, f"{n} migration(s)" if n else "no pending migrations",
                {"migrations": out.pending, "tool": "migrate-action"})
            reporter.set_state(out.deployment_id, self.env_name, "in_progress",
                               f"migrating {n} migration(s)" if n else "checking health")
            rec.detail = f"deployment {out.deployment_id}, in progress"

    # 2b. The database is what its applied migrations say (drift), before anything is written.
    def check_drift(self) -> None:
        if not self.plan or self.request.drift_check is None:
            return
        with self.story.step("drift", "Drift check") as rec:
            rec.detail = self.request.drift_check()

    # 3-4. Backup, and proof that it can be read back.
    def backup(self) -> None:
        config, story = self.request.config, self.story
        env = config.environment(self.env_name)
        if not self.plan:
            story.skip("backup", "Back up", "nothing to migrate")
            story.skip("verify", "Verify backup", "nothing to migrate")
            return
        if not config.backup.bucket and not env.require_backup:
            story.skip("backup", "Back up", "no S3 bucket configured for this environment")
            story.skip("verify", "Verify backup", "no backup")
            return
        with story.step("backup", "Back up") as rec:
            self.backup_started = datetime.now(UTC)
            taken = backups.take(config, env, self.request.database_url)
            self.out.backup_uri = taken.uri
            rec.detail = taken.detail
        with story.step("verify", "Verify backup") as rec:
            rec.detail = backups.verify(config, env, self.request.database_url, taken.uri)

    # 5. Migrate.
    def migrate(self, conn) -> None:
        from toolkit.migrations import runner

        out, story = self.out, self.story
        if not self.plan:
            story.skip("migrate", "Migrate", "the database is up to date")
            return
        try:
            with story.step("migrate", "Migrate") as rec:
                try:
                    result = runner.apply_pending(conn, self.request.config, self.env_name,
                                                  allow_out_of_order=self.request.allow_out_of_order,
                                                  progress=self.progress)
                    out.applied = [a.name for a in result.applied]
                finally:
                    if not out.applied:
                        out.applied = _applied_since(conn, self.request.config, out.pending)
                rec.detail = (f"applied {len(out.applied)}: {', '.join(out.applied)}" if out.applied
                              else "nothing applied (another runner applied them first)")
        except (ToolkitError, KeyboardInterrupt):
            story.skip("health", "Health checks", "not run: the migration failed")
            if out.applied:
                story.steps[-2].detail += f" (applied before the failure, still in place: {', '.join(out.applied)})"
            raise

    # 6. Health checks; on failure after migrating, the rollback is dispatched once.
    def health(self) -> bool:
        request, out, story = self.request, self.out, self.story
        if not request.health.configured:
            story.skip("health", "Health checks", "none configured")
            return True
        with story.step("health", "Health checks") as rec:
            out.health = run_health_checks(request.health.checks(request.database_url), request.health.policy,
                                           on_measurement=lambda m: self.progress(
                                               f"    health {m.check} #{m.number}: {m.phase} ({m.message})"))
            story.sections.append(health_markdown(out.health))
            rec.detail = out.health.reason
            if not out.health.ok:
                rec.status = FAILED
        if out.health.ok:
            return True
        out.error = f"health checks failed: {out.health.reason}"
        _maybe_dispatch(request, self.reporter, out, self.backup_started)
        out.result = FAILURE
        what = (f"health check failed after applying {len(out.applied)} migration(s)" if out.applied
                else "health check failed")
        if out.dispatched:  # first: the description is cut at 140 characters
            what += "; rollback dispatched"
            if out.data_loss:
                what += f" ({out.data_loss['summary']})"
        elif out.applied and out.safety and all(c == "expand-only" for c in out.safety.values()):
            what += "; expand-only: no database rollback needed"
        self.reporter.set_state(out.deployment_id, self.env_name, "failure", f"{what}: {out.health.reason}")
        return False

    def succeed(self) -> None:
        out, reporter = self.out, self.reporter
        out.result = SUCCESS if self.plan else NOTHING
        with self.story.step("report", "Mark deployment successful") as rec:
            if not reporter.enabled:
                rec.status, rec.detail = "skipped", "not in GitHub Actions"
                return
            reporter.set_state(out.deployment_id, self.env_name, "success",
                               f"applied {len(out.applied)} migration(s)" + (", healthy" if out.health else ""))
            rec.detail = f"deployment {out.deployment_id}: success"


def deploy(request: DeployRequest, reporter: GitHubReporter | NoGitHub | None = None,
           progress: Callable[[str], None] = info, story: Story | None = None) -> DeployOutcome:
    env_name = request.env_name
    request.config.environment(env_name)  # an unknown environment is bad input: raised
    story = story or Story(f"migrate-action deploy to {env_name}")
    run = _Run(request, reporter or NoGitHub(), progress, DeployOutcome(FAILURE, story, env_name))
    try:
        try:
            conn = run.read_plan()
        except ToolkitError as exc:
            raise run.fail(exc) from None
        with conn:
            if request.dry_run:
                run.out.result = DRY_RUN
                story.skip("migrate", "Migrate", "dry run: nothing was changed")
                return run.out
            try:
                run.start_deployment()
            except ToolkitError as exc:
                raise run.fail(exc) from None
            try:
                run.check_drift()
                run.backup()
                run.migrate(conn)
            except (ToolkitError, KeyboardInterrupt) as exc:
                raise run.fail(exc) from None
        if run.health():
            run.succeed()
    except _StepFailed:
        pass
    return run.out


def _plan_markdown(config: Config, env_name: str, conn) -> str | None:
    """The plan area's Markdown plan (locks, findings) of the pending migrations; None if it fails:
    the plan is for reading, and must never stop a deploy."""
    try:
        from toolkit.migrations.pending import plan_from_connection
        from toolkit.report.markdown import render

        return render(plan_from_connection(config, env_name, conn))
    except Exception as exc:  # noqa: BLE001
        from toolkit.console import warn

        warn(f"could not render the migration plan: {exc}")
        return None


def _applied_since(conn, config: Config, pending: list[str]) -> list[str]:
    """Which of the pending migrations are applied now (after a failure part-way)."""
    from toolkit.migrations import runner

    try:
        states = {s.name: s.state for s in runner.read_states(conn, config)}
    except Exception:  # noqa: BLE001 (connection lost: we cannot tell, and say nothing rather than guess)
        return []
    return [name for name in pending if states.get(name) == "applied"]


def _safety_class(f):
    """The migration's rollback safety class from its files (pure, after parsing)."""
    from toolkit.migrations.runner import load_down, load_up
    from toolkit.proof.safety import classify_files

    down = load_down(f)
    return classify_files(load_up(f).parsed, down.parsed if down else None)


def _data_loss(request: DeployRequest, mode: str, drops: list[str], backup_started: datetime | None):
    """What the chosen way back loses; row counts need the database, which may be down: then unknown."""
    from toolkit.db import connect
    from toolkit.proof.dataloss import preview

    try:
        with connect(request.database_url) as conn:
            return preview(conn, mode, drops, backup_started)
    except Exception:  # noqa: BLE001 (a preview must never stop the dispatch)
        return preview(None, mode, drops, backup_started)


def _maybe_dispatch(request: DeployRequest, reporter, out: DeployOutcome, backup_started: datetime | None) -> None:
    """Dispatch the way back the applied migrations' safety classes call for, with a data-loss preview."""
    from toolkit.migrations.files import discover
    from toolkit.proof.safety import choose_rollback

    story = out.story
    if not out.applied:
        story.skip("dispatch", "Dispatch rollback", "no migration was applied: nothing to roll back")
        return
    if not request.auto_rollback:
        story.skip("dispatch", "Dispatch rollback", "auto-rollback is off: roll back by hand (docs/runbook.md)")
        return
    classes = {name: out.safety.get(name) for name in out.applied}
    if any(c is None for c in classes.values()):  # applied by another runner meanwhile: classify now
        files = {f.name: f for f in discover(request.config.migrations_dir)}
        classes = {n: c or _safety_class(files[n]).name for n, c in classes.items()}
    choice = choose_rollback([(n, classes[n]) for n in out.applied], has_backup=bool(out.backup_uri))
    if choice.mode in ("none", "manual"):
        story.skip("dispatch", "Dispatch rollback", choice.reason)
        out.error = f"{out.error}; {choice.reason}"
        return
    drops: list[str] = []
    if choice.mode == "migrations":
        files = {f.name: f for f in discover(request.config.migrations_dir)}
        for name in choice.migrations:
            drops += [d for d in _safety_class(files[name]).drops if d not in drops]
    loss = _data_loss(request, choice.mode, drops, backup_started)
    out.data_loss = loss.to_dict()
    undo = list(choice.migrations) if choice.mode == "migrations" else out.applied
    inputs = dispatch_inputs(environment=out.environment, applied=undo, backup_uri=out.backup_uri,
                             deployment_id=out.deployment_id,
                             reason=f"{out.error or 'health checks failed'}; {loss.describe()}",
                             mode=choice.mode, sha=reporter.target.sha if reporter.target else None)
    if not reporter.enabled:
        story.skip("dispatch", "Dispatch rollback", f"not in GitHub Actions; would dispatch "
                   f"{request.rollback_workflow} ({choice.mode}: {inputs['migrations']}; {loss.describe()})")
        return
    deploy_id = str(out.deployment_id) if out.deployment_id else f"{out.environment}-{reporter.target.sha}"
    try:
        with story.step("dispatch", "Dispatch rollback") as rec:
            reporter.dispatch(request.rollback_workflow, inputs, deploy_id)
            out.dispatched = inputs
            rec.detail = f"{request.rollback_workflow} ({choice.mode}: {inputs['migrations']}); {loss.describe()}"
    except ToolkitError as exc:
        out.error = f"{out.error}; and the rollback could not be dispatched: {exc.message}"
