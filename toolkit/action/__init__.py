"""The composite action's entry (`python -m toolkit.action`), an adapter like the CLI.

action.yml passes every input as an INPUT_<NAME> environment variable (never inside the script).
main() masks the secrets first, turns the inputs into the typed settings of ONE use case
(toolkit/app/), runs it, prints and publishes its result: the step outputs (ActionOutputs), the job
summary, annotations, and the exit code. A bad input is one line naming it, exit 2, nothing done.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable, Mapping, MutableMapping
from pathlib import Path

from toolkit.action.inputs import (
    check_command,
    deploy_settings,
    mask_secrets,
    prepare_environment,
    read_inputs,
    rehearse_settings,
    rollback_settings,
)
from toolkit.action.outputs import FAILURE, ActionOutputs
from toolkit.config import Config
from toolkit.errors import ToolkitError, UsageError

__all__ = ["ActionOutputs", "main", "read_inputs", "prepare_environment", "mask_secrets"]

REHEARSAL_FILE_VAR = "MIGRATE_ACTION_REHEARSAL_FILE"


def _no_confirmation(env_name: str, action: str) -> None:
    """In Actions the confirmation of a protected environment is the environment's protection rules
    (required reviewers), not a prompt: the action used to pass --yes."""


def _temp_dir(environ: Mapping[str, str]) -> Path:
    return Path(environ.get("RUNNER_TEMP") or tempfile.gettempdir())


def _load_config(inputs: Mapping[str, str]) -> Config:
    from toolkit.config import load_config

    config = load_config(migrations_dir=inputs.get("migrations-dir") or None,
                         config_file=inputs.get("config") or None)
    config.environment(inputs["environment"])  # an unknown environment is a usage error, before any work
    return config


# -- the commands: settings -> use case -> printed text, outputs, exit code ------------------------

def run_plan(inputs: Mapping[str, str], environ: Mapping[str, str]) -> int:
    """The plan of what would run on the environment: Markdown file (output), job summary, and the
    pull request comment when there is one and the token may write it. On a fork's pull request the
    token is read-only: the comment is skipped with a warning and the summary holds the plan."""
    from toolkit.app.comment import rehearsal_sections
    from toolkit.app.plan import PlanSettings, plan
    from toolkit.deploy.report import write_plan_file
    from toolkit.github import context as gha
    from toolkit.report.markdown import render

    result = plan(PlanSettings(config=_load_config(inputs), env_name=inputs["environment"], summary=False,
                               proofs=Path(inputs["proofs"]) if inputs.get("proofs") else None))
    markdown = render(result.plan, marker=result.marker, sections=rehearsal_sections(environ.get(REHEARSAL_FILE_VAR)))
    path = write_plan_file(markdown, result.environment)
    gha.append_summary(markdown)
    ActionOutputs(result="success" if result.exit_code == 0 else "failure", plan_markdown=path).publish()
    gctx = gha.load_context()
    if gctx.repository and gctx.pr_number:
        from toolkit.github.comments import upsert_comment

        try:
            res = upsert_comment(gctx.repository, gctx.pr_number, result.marker, markdown)
            print(f"{'Posted' if res.created else 'Updated'} the plan comment: {res.url}")
        except ToolkitError as exc:
            gha.warning(f"could not comment on the pull request ({exc.message}); the plan is in the job summary",
                        title="migrate-action plan")
    print(markdown)
    return result.exit_code


def run_deploy(inputs: Mapping[str, str], environ: Mapping[str, str]) -> int:
    from toolkit.app.deploy import deploy
    from toolkit.deploy.report import deploy_headline
    from toolkit.deploy.story import render_text

    outcome = deploy(deploy_settings(inputs, _load_config(inputs)), confirm=_no_confirmation)
    ActionOutputs(result=outcome.result, applied=tuple(outcome.applied), backup_uri=outcome.backup_uri or "",
                  deployment_id=outcome.deployment_id,
                  plan_markdown=_plan_file(outcome.environment, environ)).publish()
    print(render_text(outcome.story, outcome=deploy_headline(outcome)))
    if not outcome.ok:  # the outputs, summary and annotation are published: the error line only
        _report(ToolkitError(f"deploy to {outcome.environment} failed at {outcome.failed_step or 'deploy'}: "
                             f"{outcome.error}", hint=outcome.error_hint))
        return 1
    return 0


def _plan_file(environment: str, environ: Mapping[str, str]) -> str:
    """The plan file publish_deploy wrote (toolkit.deploy.report.write_plan_file's name)."""
    path = _temp_dir(environ) / f"migrate-action-plan-{environment}.md"
    return str(path) if path.is_file() else ""


def run_rollback(inputs: Mapping[str, str], environ: Mapping[str, str]) -> int:
    from toolkit.app.rollback_deploy import rollback_deploy
    from toolkit.deploy.story import render_text

    settings = rollback_settings(inputs, _load_config(inputs))
    outcome = rollback_deploy(settings, confirm=_no_confirmation)
    ActionOutputs(result=outcome.result, applied=tuple(outcome.undone), deployment_id=settings.deployment_id).publish()
    print(render_text(outcome.story, outcome="rolled back" if outcome.ok else "FAILED"))
    if not outcome.ok:  # as for deploy: published already
        _report(ToolkitError(f"rollback of {outcome.environment} failed: {outcome.error}",
                             hint=(f"still applied: {', '.join(outcome.remaining)}; " if outcome.remaining else "")
                             + "see the rollback runbook in README.md"))
        return 1
    return 0


def run_backup(inputs: Mapping[str, str], environ: Mapping[str, str]) -> int:
    """Back up and verify (deep): the `backup-uri` output is a backup proven readable."""
    from toolkit.app.backup import TakeBackupSettings, VerifyBackupSettings, backup, verify_backup
    from toolkit.backup.manifest import human_bytes
    from toolkit.github import context as gha

    config = _load_config(inputs)
    taken = backup(TakeBackupSettings(config=config, env_name=inputs["environment"], quiet=True))
    detail = f"{taken.uri} ({human_bytes(taken.size_bytes)}, {taken.tables} tables, SHA-256 checked)"
    print(f"backup: {detail}")
    checked = verify_backup(VerifyBackupSettings(config=config, uri=taken.uri, deep=True, quiet=True))
    if not checked.verified:
        raise ToolkitError(f"backup {taken.uri} failed verification: {checked.error}",
                           hint="check the bucket and run `verify-backup --deep`")
    print(f"verify: {checked.level}: {', '.join(checked.checks)} passed")
    ActionOutputs(result="success", backup_uri=taken.uri).publish()
    gha.append_summary(f"### Backup of {taken.environment}\n\n- `{taken.uri}`\n- {detail}\n")
    return 0


def run_status(inputs: Mapping[str, str], environ: Mapping[str, str]) -> int:
    """Every migration and its state, as a table in the log."""
    from toolkit.app.status import StatusSettings, status

    result = status(StatusSettings(config=_load_config(inputs), env_name=inputs["environment"]))
    ActionOutputs(result="success").publish()
    if not result.states:
        print(f"No migrations in {result.migrations_dir}")
        return 0
    width = max(len(s.name) for s in result.states)
    print(f"{'MIGRATION':<{width}}  {'STATE':<8}  {'APPLIED AT':<19}  ROLLBACK")
    for s in result.states:
        at = s.applied_at.strftime("%Y-%m-%d %H:%M:%S") if s.applied_at else "-"
        print(f"{s.name:<{width}}  {s.state:<8}  {at:<19}  {'yes' if s.has_rollback else 'no'}")
    print(", ".join(f"{v} {k}" for k, v in result.counts().items()))
    for name, state, hint in result.hints:
        print(f"\n{name}: {state}. {hint}")
    return 0


def run_rehearse(inputs: Mapping[str, str], environ: Mapping[str, str]) -> int:
    """The pending migrations on a copy of the environment's newest verified backup: the comment
    section in $RUNNER_TEMP/rehearsal.md (output `rehearsal-file`) and the job summary; exit 1 when a
    limit (max-lock-ms, max-duration-s) is exceeded or a migration failed on the copy."""
    from toolkit.app.rehearse import rehearse
    from toolkit.console import info
    from toolkit.github import context as gha
    from toolkit.rehearse import render
    from toolkit.rehearse.report import gate

    settings, max_lock_ms, max_duration_s = rehearse_settings(inputs, environ)
    rehearsal = rehearse(_load_config(inputs), settings, progress=info)
    section = render.markdown_section(rehearsal)
    path = _temp_dir(environ) / "rehearsal.md"
    path.write_text(section, encoding="utf-8")
    gha.append_summary(section)
    print(render.text(rehearsal))
    failed = gate(rehearsal, max_lock_ms, max_duration_s)
    broken = next((m for m in rehearsal.migrations if m.error), None)
    if broken is not None and not failed:
        failed = f"rehearsal: {broken.name} failed on the copy: {broken.error}"
    ActionOutputs(result="failure" if failed else "success", rehearsal_file=str(path)).publish()
    if failed:
        gha.error(failed, title=f"migrate-action: rehearsal on a copy of {settings.env_name}")
        _report(ToolkitError(failed))
        return 1
    return 0


RUNNERS: dict[str, Callable[[Mapping[str, str], Mapping[str, str]], int]] = {
    "plan": run_plan, "deploy": run_deploy, "rollback": run_rollback, "backup": run_backup,
    "status": run_status, "rehearse": run_rehearse,
}


def _report(exc: ToolkitError) -> None:
    from toolkit.console import style

    print(style("error: ", fg="red", bold=True) + exc.message, file=sys.stderr)
    if exc.hint:
        print(f"  hint: {exc.hint}", file=sys.stderr)


def main(environ: MutableMapping[str, str] | None = None) -> None:
    environ = os.environ if environ is None else environ
    inputs = read_inputs(environ)
    mask_secrets(inputs)
    command = inputs.get("command", "")
    try:
        command, _ = check_command(inputs)
        prepare_environment(inputs, environ)
        workspace = environ.get("GITHUB_WORKSPACE")
        if workspace and Path(workspace).is_dir():
            os.chdir(workspace)
        code = RUNNERS[command](inputs, environ)
    except ToolkitError as exc:
        from toolkit.github.context import error

        FAILURE.publish()
        title = "migrate-action: invalid input" if isinstance(exc, UsageError) else f"migrate-action {command} failed"
        error(exc.message, title=title)
        _report(exc)
        sys.exit(exc.exit_code)
    except Exception as exc:
        # A database error nobody anticipated still gets one line, not a traceback (as in the CLI).
        if not type(exc).__module__.startswith("psycopg"):
            raise
        first = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        FAILURE.publish()
        _report(ToolkitError(f"database error: {first}"))
        sys.exit(1)
    sys.exit(code)

