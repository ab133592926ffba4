"""The action's inputs (INPUT_* environment variables) -> typed settings of the use cases. Pure except
mask_secrets (prints ::add-mask:: commands) and prepare_environment (sets variables it is given).

click used to convert and check the numbers when the action ran the CLI; now this module does, and a
bad value is a one-line UsageError naming the input.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, MutableMapping

from toolkit.config import Config, env_var_name
from toolkit.deploy.decide import parse_bool, parse_migration_list
from toolkit.errors import UsageError

COMMANDS = ("plan", "deploy", "rollback", "backup", "status", "rehearse")
ROLLBACK_MODES = ("migrations", "restore")

# input -> HealthKnobs field, with its type
_HEALTH_NUMBERS: dict[str, tuple[str, type]] = {
    "health-check-deadline": ("deadline", float),
    "health-check-timeout": ("timeout", float),
    "health-check-interval": ("interval", float),
    "health-check-initial-delay": ("initial_delay", float),
    "health-check-retries": ("retries", int),
    "health-check-failure-limit": ("failure_limit", int),
    "health-check-successes": ("successes", int),
    "health-check-count": ("count", int),
}


def read_inputs(environ: Mapping[str, str]) -> dict[str, str]:
    """INPUT_HEALTH_CHECK_URL -> {"health-check-url": ...}; values stripped of surrounding blanks."""
    return {key[6:].lower().replace("_", "-"): value.strip()
            for key, value in environ.items() if key.startswith("INPUT_")}


def check_command(inputs: Mapping[str, str]) -> tuple[str, str]:
    """(command, environment), both required; the command one of COMMANDS."""
    command = inputs.get("command", "")
    if command not in COMMANDS:
        raise UsageError(f"input `command` must be one of {', '.join(COMMANDS)}, got {command!r}")
    env = inputs.get("environment", "")
    if not env:
        raise UsageError(f"input `environment` is required for command `{command}`")
    return command, env


def number(inputs: Mapping[str, str], name: str, kind: type[int] | type[float] = float,
           default: float | None = None, minimum: float = 0) -> float | int | None:
    """The input as a finite number >= minimum; `default` when empty."""
    text = inputs.get(name, "")
    if not text:
        return default
    try:
        value = kind(text)
    except ValueError:
        what = "a whole number" if kind is int else "a number"
        raise UsageError(f"input `{name}` must be {what}, got {text!r}") from None
    if not math.isfinite(value) or value < minimum:
        raise UsageError(f"input `{name}` must be a number >= {minimum:g}, got {text!r}")
    return value


def flag(inputs: Mapping[str, str], name: str, default: bool = False) -> bool:
    text = inputs.get(name, "")
    return parse_bool(text, name) if text else default


def health_knobs(inputs: Mapping[str, str]):
    """HealthKnobs from the health-check-* inputs (empty inputs keep HealthKnobs' defaults)."""
    from toolkit.app.health_check import HealthKnobs

    values = {}
    for name, (field_name, kind) in _HEALTH_NUMBERS.items():
        value = number(inputs, name, kind)
        if value is not None:
            values[field_name] = value
    return HealthKnobs(urls=(inputs.get("health-check-url", ""),), sql=inputs.get("health-check-sql") or None,
                       expected_status=inputs.get("health-check-expected-status") or HealthKnobs().expected_status,
                       body_match=inputs.get("health-check-body-match") or None, **values)


def deploy_settings(inputs: Mapping[str, str], config: Config):
    """DeploySettings of `command: deploy`; the database URL comes from the environment variable
    prepare_environment set, so it is never part of a value that might be printed."""
    from toolkit.app.deploy import DeploySettings

    return DeploySettings(config=config, env_name=inputs["environment"], health=health_knobs(inputs).spec(),
                          auto_rollback=flag(inputs, "auto-rollback", default=True),
                          rollback_workflow=inputs.get("rollback-workflow") or "rollback.yml",
                          dry_run=flag(inputs, "dry-run"), commit_status=flag(inputs, "commit-status"),
                          ref=inputs.get("ref") or None, github="auto")


def rollback_settings(inputs: Mapping[str, str], config: Config):
    """RollbackDeploySettings of `command: rollback`."""
    from toolkit.app.rollback_deploy import RollbackDeploySettings

    mode = inputs.get("rollback-mode") or "migrations"
    if mode not in ROLLBACK_MODES:
        raise UsageError(f"input `rollback-mode` must be one of {', '.join(ROLLBACK_MODES)}, got {mode!r}")
    deployment_id = number(inputs, "deployment-id", int, minimum=1)
    return RollbackDeploySettings(config=config, env_name=inputs["environment"], mode=mode,  # type: ignore[arg-type]
                                  migrations=tuple(parse_migration_list(inputs.get("rollback-migrations"))),
                                  backup_uri=inputs.get("backup-uri") or None, reason=inputs.get("reason", ""),
                                  deployment_id=int(deployment_id) if deployment_id else None, github="auto")


def rehearse_settings(inputs: Mapping[str, str], environ: Mapping[str, str]):
    """(RehearseSettings, max_lock_ms, max_duration_s) of `command: rehearse`. The scratch server, as
    for the CLI, may come from $REHEARSE_SCRATCH_URL (default: an embedded throwaway cluster)."""
    from toolkit.app.rehearse import RehearseSettings

    max_lock_ms = number(inputs, "max-lock-ms")
    max_duration_s = number(inputs, "max-duration-s")
    settings = RehearseSettings(env_name=inputs["environment"], backup_uri=inputs.get("backup-uri") or None,
                                scratch_url=environ.get("REHEARSE_SCRATCH_URL") or None)
    return settings, max_lock_ms, max_duration_s


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
