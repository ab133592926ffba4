"""The composite action's entry point: `python -m toolkit.deploy.action`.

action.yml passes every input as an INPUT_<NAME> environment variable (never inside the script);
this module masks the secrets first, turns the inputs into settings and a command line, and runs the
same CLI a person would. `argv_for` is pure, so the mapping is tested without running anything.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping, MutableMapping
from pathlib import Path

from toolkit.config import env_var_name
from toolkit.deploy.decide import parse_bool
from toolkit.errors import ToolkitError, UsageError

COMMANDS = ("plan", "deploy", "rollback", "backup", "status")

# input -> flag of `deploy` (health knobs and the rest that map one to one)
_DEPLOY_FLAGS = {
    "health-check-sql": "--health-sql",
    "health-check-deadline": "--health-deadline",
    "health-check-timeout": "--health-timeout",
    "health-check-interval": "--health-interval",
    "health-check-initial-delay": "--health-initial-delay",
    "health-check-retries": "--health-retries",
    "health-check-failure-limit": "--health-failure-limit",
    "health-check-successes": "--health-successes",
    "health-check-count": "--health-count",
    "health-check-expected-status": "--health-expected-status",
    "health-check-body-match": "--health-body-match",
    "rollback-workflow": "--rollback-workflow",
    "ref": "--ref",
}


def read_inputs(environ: Mapping[str, str]) -> dict[str, str]:
    """INPUT_HEALTH_CHECK_URL -> {"health-check-url": ...}; values stripped of surrounding blanks."""
    return {key[6:].lower().replace("_", "-"): value.strip()
            for key, value in environ.items() if key.startswith("INPUT_")}


def _flag(inputs: Mapping[str, str], name: str) -> bool:
    return parse_bool(inputs.get(name, ""), name)


def argv_for(inputs: Mapping[str, str]) -> list[str]:
    """The CLI command line for the action's inputs (no secrets in it: the URL goes by environment)."""
    command = inputs.get("command", "")
    if command not in COMMANDS:
        raise UsageError(f"input `command` must be one of {', '.join(COMMANDS)}, got {command!r}")
    env = inputs.get("environment", "")
    if not env:
        raise UsageError(f"input `environment` is required for command `{command}`")
    common = ["--env", env]
    if inputs.get("migrations-dir"):
        common += ["--dir", inputs["migrations-dir"]]
    if inputs.get("config"):
        common += ["--config", inputs["config"]]
    if command == "status":
        return ["status", *common]
    if command in ("plan", "backup"):  # run by this module (see main), to set the outputs
        return [command, *common]
    if command == "rollback":
        argv = ["rollback-deploy", *common, "--mode", inputs.get("rollback-mode") or "migrations", "--yes",
                "--format", "text"]
        for name, flag in (("rollback-migrations", "--migrations"), ("backup-uri", "--backup-uri"),
                           ("reason", "--reason"), ("deployment-id", "--deployment-id")):
            if inputs.get(name):
                argv += [flag, inputs[name]]
        return argv
    # deploy
    argv = ["deploy", *common, "--yes"]
    for url in inputs.get("health-check-url", "").split():
        argv += ["--health-url", url]
    for name, flag in _DEPLOY_FLAGS.items():
        if inputs.get(name):
            argv += [flag, inputs[name]]
    auto = parse_bool(inputs.get("auto-rollback") or "true", "auto-rollback")
    argv.append("--auto-rollback" if auto else "--no-auto-rollback")
    if _flag(inputs, "dry-run"):
        argv.append("--dry-run")
    if _flag(inputs, "commit-status"):
        argv.append("--commit-status")
    return argv


def prepare_environment(inputs: Mapping[str, str], environ: MutableMapping[str, str]) -> None:
    """Settings that travel by environment: the database URL (never on a command line), S3 and the token.
    Only non-empty inputs are set, so an unset input never blanks a variable the job set itself."""
    url = inputs.get("database-url")
    if url and inputs.get("environment"):
        environ[env_var_name(inputs["environment"])] = url
    for name, var in (("s3-bucket", "BACKUP_S3_BUCKET"), ("s3-prefix", "BACKUP_S3_PREFIX"),
                      ("aws-region", "AWS_REGION"), ("s3-endpoint-url", "AWS_ENDPOINT_URL_S3"),
                      ("github-token", "GITHUB_TOKEN")):
        if inputs.get(name):
            environ[var] = inputs[name]
    if inputs.get("aws-region") and not environ.get("AWS_DEFAULT_REGION"):
        environ["AWS_DEFAULT_REGION"] = inputs["aws-region"]


def mask_secrets(inputs: Mapping[str, str]) -> None:
    """Before anything is printed: the URL, every form its password can take (as typed, percent-decoded,
    percent-encoded; in the user info, the query string or a key=value conninfo; even when the URL does
    not parse), and the token."""
    from toolkit.db import secrets_of
    from toolkit.github.context import add_mask

    url = inputs.get("database-url", "")
    if url:
        add_mask(url)
        for secret in sorted(secrets_of(url)):
            add_mask(secret)
    if inputs.get("github-token"):
        add_mask(inputs["github-token"])


def main(environ: MutableMapping[str, str] | None = None) -> None:
    from toolkit.cli import main as cli
    from toolkit.cli import report_error

    environ = os.environ if environ is None else environ
    inputs = read_inputs(environ)
    mask_secrets(inputs)
    try:
        argv = argv_for(inputs)
    except ToolkitError as exc:
        from toolkit.github.context import error

        error(exc.message, title="migrate-action: invalid input")
        report_error(exc)
        sys.exit(exc.exit_code)
    prepare_environment(inputs, environ)
    workspace = environ.get("GITHUB_WORKSPACE")
    if workspace and Path(workspace).is_dir():
        os.chdir(workspace)
    own = {"plan": run_plan, "backup": run_backup}.get(argv[0])
    if own is None:  # deploy, rollback-deploy, status: the CLI commands, which publish their outcome
        cli.main(args=argv, prog_name="migrate-action")
        return
    try:
        code = own(inputs)
    except ToolkitError as exc:
        from toolkit.github.context import error, set_outputs

        set_outputs({"result": "failure"})
        error(exc.message, title=f"migrate-action {argv[0]} failed")
        report_error(exc)
        sys.exit(exc.exit_code)
    sys.exit(code)


def _context(inputs: Mapping[str, str]):
    from toolkit.cli.common import make_context

    return make_context(inputs.get("migrations-dir") or None, inputs.get("config") or None,
                        inputs["environment"], None)


def run_plan(inputs: Mapping[str, str]) -> int:
    """The plan of what would run on the environment: Markdown file (output), job summary, and the
    pull request comment when there is one and the token may write it. On a fork's pull request the
    token is read-only: the comment is skipped with a warning and the summary holds the plan."""
    from toolkit.cli.plan_cmds import build_env_plan
    from toolkit.deploy.report import write_plan_file
    from toolkit.github import context as gha
    from toolkit.github.comments import plan_marker
    from toolkit.plan.environment import exit_code
    from toolkit.report.markdown import render

    ctx = _context(inputs)
    plan = build_env_plan(ctx, None)
    marker = plan_marker(ctx.env.name)
    markdown = render(plan, marker=marker)
    path = write_plan_file(markdown, ctx.env.name)
    gha.append_summary(markdown)
    code = exit_code(plan, ctx.config.lint.fail_on)
    gha.set_outputs({"plan-markdown": path, "result": "success" if code == 0 else "failure",
                     "applied": "[]", "backup-uri": "", "deployment-id": ""})
    gctx = gha.load_context()
    if gctx.repository and gctx.pr_number:
        from toolkit.github.comments import upsert_comment

        try:
            res = upsert_comment(gctx.repository, gctx.pr_number, marker, markdown)
            print(f"{'Posted' if res.created else 'Updated'} the plan comment: {res.url}")
        except ToolkitError as exc:
            gha.warning(f"could not comment on the pull request ({exc.message}); the plan is in the job summary",
                        title="migrate-action plan")
    print(markdown)
    return code


def run_backup(inputs: Mapping[str, str]) -> int:
    """Back up and verify (deep): the `backup-uri` output is a backup proven readable."""
    from toolkit.deploy import backups
    from toolkit.github import context as gha

    ctx = _context(inputs)
    taken = backups.take(ctx.config, ctx.env, ctx.database_url)
    print(f"backup: {taken.detail}")
    print(f"verify: {backups.verify(ctx.config, ctx.env, ctx.database_url, taken.uri)}")
    gha.set_outputs({"backup-uri": taken.uri, "result": "success", "applied": "[]", "deployment-id": "",
                     "plan-markdown": ""})
    gha.append_summary(f"### Backup of {ctx.env.name}\n\n- `{taken.uri}`\n- {taken.detail}\n")
    return 0


if __name__ == "__main__":
    main()
