"""Tell the outcome: step outputs, the job summary, annotations (all no-ops outside Actions except the
annotation lines), and the plan as a Markdown file."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from toolkit.deploy.pipeline import DeployOutcome
from toolkit.deploy.rollback import RollbackOutcome
from toolkit.deploy.story import render_markdown
from toolkit.report.markdown import code_span, escape_inline


def _in_actions() -> bool:
    return os.environ.get("GITHUB_ACTIONS") == "true"


def deploy_facts(out: DeployOutcome) -> list[tuple[str, str]]:
    # Facts are Markdown: every untrusted value (names, URIs, messages) goes through code_span or
    # escape_inline, so a hostile file name or server message cannot open a block in the summary.
    facts = [("environment", code_span(out.environment)),
             ("migrations applied", ", ".join(code_span(n) for n in out.applied) or "none")]
    if out.pending and out.pending != out.applied:
        facts.append(("pending before the deploy", ", ".join(code_span(n) for n in out.pending)))
    if out.backup_uri:
        facts.append(("backup", code_span(out.backup_uri)))
    if out.deployment_id:
        facts.append(("deployment", str(out.deployment_id)))
    if out.error:
        where = f" ({code_span(f'{out.error_file}:{out.error_line}')})" if out.error_file else ""
        facts.append(("error", f"{escape_inline(out.error)}{where}"))
    if out.dispatched:
        d = out.dispatched
        facts.append(("rollback dispatched",
                      f"mode {code_span(d['mode'])}, migrations {code_span(d['migrations'])}"))
    return facts


def deploy_headline(out: DeployOutcome) -> str:
    if out.result == "success":
        return f"Deployed {len(out.applied)} migration(s) to {out.environment}"
    if out.result == "nothing-to-do":
        return f"{out.environment} is up to date"
    if out.result == "dry-run":
        return f"Dry run: {len(out.pending)} migration(s) would be applied to {out.environment}"
    step = out.failed_step or "deploy"
    return f"Deploy to {out.environment} FAILED at: {step}"


def plan_markdown(out: DeployOutcome) -> str:
    lines = [f"### Migrations pending on {out.environment}", ""]
    lines += [f"{i}. `{n}`" for i, n in enumerate(out.pending, 1)] or ["The database is up to date."]
    return "\n".join(lines) + "\n"


def write_plan_file(markdown: str, environment: str) -> str:
    base = Path(os.environ.get("RUNNER_TEMP") or tempfile.gettempdir())
    path = base / f"migrate-action-plan-{environment}.md"
    path.write_text(markdown, encoding="utf-8")
    return str(path)


def publish_deploy(out: DeployOutcome) -> None:
    from toolkit.github import context as gha

    plan_path = write_plan_file(out.plan_markdown or plan_markdown(out), out.environment)
    gha.set_outputs({"applied": json.dumps(out.applied), "backup-uri": out.backup_uri or "",
                     "deployment-id": str(out.deployment_id or ""), "plan-markdown": plan_path,
                     "result": out.result})
    gha.append_summary(render_markdown(out.story, outcome=deploy_headline(out), facts=deploy_facts(out)))
    if out.ok or not _in_actions():  # on a terminal the error line says it already
        return
    title = f"migrate-action: {out.failed_step or 'deploy'} failed on {out.environment}"
    if out.error_file:
        gha.error(out.error or "migration failed", file=gha.workspace_path(out.error_file), line=out.error_line,
                  title=title)
    else:
        message = out.error or "deploy failed"
        if out.dispatched:
            message += (f". Rollback dispatched ({out.dispatched['mode']}: {out.dispatched['migrations']}); "
                        "follow it in the Actions tab.")
        elif out.applied:
            message += f". Migrations still applied: {', '.join(out.applied)}: see the rollback runbook."
        gha.error(message, title=title)


def publish_rollback(out: RollbackOutcome, deployment_id: int | None) -> None:
    from toolkit.github import context as gha

    gha.set_outputs({"applied": json.dumps(out.undone), "backup-uri": "",
                     "deployment-id": str(deployment_id or ""), "plan-markdown": "", "result": out.result})
    if out.ok:
        what = (f"Rolled back {len(out.undone)} migration(s) on {out.environment}" if out.mode == "migrations"
                else f"Restored the backup on {out.environment}")
    else:
        what = f"Rollback of {out.environment} FAILED"
    facts = [("environment", code_span(out.environment)), ("mode", code_span(out.mode)),
             ("undone (newest first)", ", ".join(code_span(n) for n in out.undone) or "none")]
    if out.remaining:
        facts.append(("still applied", ", ".join(code_span(n) for n in out.remaining)))
    if out.error:
        facts.append(("error", escape_inline(out.error)))
    gha.append_summary(render_markdown(out.story, outcome=what, facts=facts))
    if not out.ok and _in_actions():
        kw = {"file": gha.workspace_path(out.error_file), "line": out.error_line} if out.error_file else {}
        gha.error(f"rollback failed: {out.error}", title=f"migrate-action: rollback of {out.environment} failed",
                  **kw)
