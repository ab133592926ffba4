"""Use case: the plan of what would run on one environment (`plan`, the action's `plan` command).

plan(settings) -> PlanResult. plan_for_environment(...) is the shared step: `comment` and the action
build the same plan.

I/O: reads the environment's database when it has a URL (pending migrations, table sizes), else the
git history of the migrations folder against a base ref; appends the Markdown plan to
$GITHUB_STEP_SUMMARY when asked and it is set. Changes nothing.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import msgspec

from toolkit.config import Config, Environment
from toolkit.errors import UsageError
from toolkit.migrations.pending import plan_from_connection
from toolkit.plan.environment import check_lint_settings, exit_code, rule_options
from toolkit.plan.model import Plan


class PlanSettings(msgspec.Struct, frozen=True):
    config: Config
    env_name: str
    database_url: str | None = None  # override; else DATABASE_URL_<ENV>, DATABASE_URL; none: plan from git
    base_ref: str | None = None  # without a database (default in a pull request: origin/$GITHUB_BASE_REF)
    fail_on: str | None = None  # default: [lint] fail_on of the config
    summary: bool = True  # also append the Markdown plan to $GITHUB_STEP_SUMMARY when it is set
    proofs: Path | None = None  # `verify-rollbacks --format json` output: proved/failed in the Rollback column


class PlanResult(msgspec.Struct, frozen=True):
    plan: Plan
    environment: str
    marker: str  # the hidden marker of this environment's pull-request comment
    exit_code: int  # 0 clean, 1 findings at or above fail_on, 2 SQL that does not parse
    summary_written: bool = False


def resolve_database_url(env: Environment, override: str | None) -> str | None:
    """The environment's URL (override, DATABASE_URL_<ENV>, DATABASE_URL), or None when it has none."""
    try:
        return env.database_url(override)
    except UsageError:
        return None


def read_proofs(path: Path) -> dict[str, Mapping[str, Any]]:
    """name -> {"proved", "safety_class", ...} from the JSON of `verify-rollbacks --format json`
    ({"migrations": [{"name": ...}, ...]}) or VerifyResult.rollback_column() ({name: {...}})."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise UsageError(f"--proofs {path}: cannot read it ({exc.strerror})") from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise UsageError(f"--proofs {path}: not JSON ({exc})".splitlines()[0],
                         hint="write it with `verify-rollbacks --format json > FILE`") from None
    if isinstance(data, dict) and isinstance(data.get("migrations"), list):
        items = data["migrations"]
        if all(isinstance(m, dict) and isinstance(m.get("name"), str) for m in items):
            return {m["name"]: m for m in items}
    elif isinstance(data, dict) and all(isinstance(v, dict) for v in data.values()):
        return data
    raise UsageError(f"--proofs {path}: not the output of `verify-rollbacks --format json`",
                     hint="expected {\"migrations\": [{\"name\": ..., \"proved\": ...}, ...]}")


def plan_for_environment(config: Config, env: Environment, database_url: str | None,
                         base_ref: str | None, proofs: Path | None = None) -> Plan:
    """From the database when there is a URL, else from git against base_ref (in a pull request,
    origin/$GITHUB_BASE_REF). Opens (and closes) one connection when there is a URL. Each migration
    carries its rollback safety class, and with `proofs` whether its rollback was proved."""
    from toolkit.plan.build import with_safety
    from toolkit.proof.safety import classify_files

    proved = read_proofs(proofs) if proofs is not None else None
    return with_safety(_plan_for_environment(config, env, database_url, base_ref), classify_files, proved)


def _plan_for_environment(config: Config, env: Environment, database_url: str | None,
                          base_ref: str | None) -> Plan:
    from toolkit.migrations.pending import pending_from_git
    from toolkit.plan.build import build_plan

    check_lint_settings(config)
    if database_url:
        from toolkit.db import connect

        with connect(database_url) as conn:
            return plan_from_connection(config, env.name, conn)
    base_ref = base_ref or (f"origin/{os.environ['GITHUB_BASE_REF']}" if os.environ.get("GITHUB_BASE_REF") else None)
    if not base_ref:
        raise UsageError(f"no database URL for environment '{env.name}' and no --base-ref",
                         hint=f"set {env.url_env} (or DATABASE_URL), pass --database-url, or pass "
                              "--base-ref origin/main to plan the migrations this branch adds")
    ps = pending_from_git(config.migrations_dir, base_ref)
    return build_plan(ps.pending, environment=env.name, source=ps.source, history=ps.history,
                      settings=config.lint, stats={}, options=rule_options(config), edited=ps.edited,
                      notes=ps.notes)


def append_plan_summary(plan: Plan, enabled: bool = True) -> bool:
    """Append the Markdown plan to $GITHUB_STEP_SUMMARY; False when off or not in Actions."""
    if not enabled or not os.environ.get("GITHUB_STEP_SUMMARY"):
        return False
    from toolkit.github.context import append_summary
    from toolkit.report.markdown import render

    append_summary(render(plan))
    return True


def plan(settings: PlanSettings) -> PlanResult:
    """The plan of settings.env_name, from its database when it has a URL, else from git."""
    from toolkit.github.comments import plan_marker

    config = settings.config
    env = config.environment(settings.env_name)
    result = plan_for_environment(config, env, resolve_database_url(env, settings.database_url), settings.base_ref,
                                  settings.proofs)
    written = append_plan_summary(result, settings.summary)
    return PlanResult(plan=result, environment=env.name, marker=plan_marker(env.name),
                      exit_code=exit_code(result, settings.fail_on or config.lint.fail_on),
                      summary_written=written)
