"""Where settings come from: flags > environment variables > config file > defaults.

The config file is TOML, `migrate-action.toml`, looked up (first found wins) at `--config`,
`$MIGRATE_ACTION_CONFIG`, the current directory, then the migrations directory's parent (so a
team that runs the manager from inside `backend/migrations`, as the runbook does, keeps its config
in `backend/`). Every key is optional; see README.md for the full list.
"""

from __future__ import annotations

import os
import re
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

from toolkit.errors import UsageError

CONFIG_NAME = "migrate-action.toml"
DEFAULT_ENVIRONMENTS = ("dev", "uat", "production")
# Migration files: YYYYMMDD_HHMMSS_name.sql (the runbook's naming).
MIGRATION_RE = re.compile(r"^(\d{8}_\d{6})_([a-z0-9_]+)\.sql$")


@dataclass(frozen=True)
class EngineSettings:
    """How the engine runs migrations. Times in milliseconds unless the name says seconds."""

    table: str = "schema_migrations"
    # Lock retries (GitLab's with_lock_retries model): each try waits at most lock_timeout for its
    # table locks, so a reader queued behind the DDL never waits longer than that; tries grow from
    # lock_timeout_ms to lock_timeout_max_ms, with a pause between, until lock_retry_deadline_s.
    lock_timeout_ms: int = 200
    lock_timeout_max_ms: int = 5000
    lock_retry_deadline_s: float = 60.0
    lock_retry_pause_ms: int = 500
    # Per statement; 0 disables. A long backfill should be batched, not given hours.
    statement_timeout_ms: int = 30 * 60 * 1000
    # How long a second runner waits for the first to finish before giving up.
    runner_lock_wait_s: float = 600.0
    allow_out_of_order: bool = False


@dataclass(frozen=True)
class Environment:
    name: str
    url_env: str  # name of the environment variable that holds its database URL
    confirm: bool  # writes ask the operator to type the environment name
    require_backup: bool  # migrate refuses without a fresh verified backup
    backup_max_age_min: float = 60.0
    # Extra databases that backup-databases.sh also backs up (names of env vars holding URLs).
    extra_url_envs: tuple[str, ...] = ()

    def database_url(self, override: str | None = None) -> str:
        """The URL from --database-url, DATABASE_URL_<ENV>, then DATABASE_URL."""
        if override:
            return override
        for var in (self.url_env, "DATABASE_URL"):
            value = os.environ.get(var)
            if value:
                return value
        raise UsageError(
            f"no database URL for environment '{self.name}'",
            hint=f"set {self.url_env} (or DATABASE_URL), or pass --database-url",
        )


@dataclass(frozen=True)
class BackupSettings:
    bucket: str | None = None
    prefix: str = "migrate-action"
    region: str | None = None
    endpoint_url: str | None = None
    sse: str | None = None  # "AES256" or "aws:kms"
    kms_key_id: str | None = None
    storage_class: str | None = None
    compression: str = "zstd"  # zstd | gzip | none
    compression_level: int = 1
    compression_threads: int = 0  # zstd worker threads; 0 = CPUs - 1 (1 to 4)
    part_size_mb: int = 8  # memory is about 3 parts; grown for databases too big for 9,000 parts


@dataclass(frozen=True)
class LintSettings:
    disable: tuple[str, ...] = ()
    fail_on: str = "error"
    large_table_rows: int = 100_000


@dataclass(frozen=True)
class Config:
    migrations_dir: Path
    engine: EngineSettings = field(default_factory=EngineSettings)
    environments: dict[str, Environment] = field(default_factory=dict)
    backup: BackupSettings = field(default_factory=BackupSettings)
    lint: LintSettings = field(default_factory=LintSettings)
    source: Path | None = None  # the config file read, if any

    def environment(self, name: str) -> Environment:
        try:
            return self.environments[name]
        except KeyError:
            known = ", ".join(sorted(self.environments))
            raise UsageError(
                f"unknown environment '{name}'",
                hint=f"known environments: {known}; add others under [environments.<name>] in {CONFIG_NAME}",
            ) from None


def env_var_name(env_name: str) -> str:
    return "DATABASE_URL_" + re.sub(r"[^A-Z0-9]", "_", env_name.upper())


def _default_environment(name: str) -> Environment:
    prod = name == "production"
    return Environment(name=name, url_env=env_var_name(name), confirm=prod, require_backup=prod)


def resolve_migrations_dir(flag: str | None, cwd: Path | None = None) -> Path:
    """--dir, else $MIGRATIONS_DIR, else ./migrations; inside a migrations folder, that folder."""
    cwd = cwd or Path.cwd()
    if flag:
        return Path(flag).expanduser()
    env = os.environ.get("MIGRATIONS_DIR")
    if env:
        return Path(env).expanduser()
    candidate = cwd / "migrations"
    if candidate.is_dir():
        return candidate
    # The runbook says `cd backend/migrations` and runs the manager there.
    if cwd.name == "migrations" or any(MIGRATION_RE.match(p.name) for p in cwd.glob("*.sql")):
        return cwd
    return candidate


def _find_config_file(flag: str | None, migrations_dir: Path) -> Path | None:
    explicit = flag or os.environ.get("MIGRATE_ACTION_CONFIG")
    if explicit:
        path = Path(explicit).expanduser()
        if not path.is_file():
            raise UsageError(f"config file not found: {path}")
        return path
    for path in (Path.cwd() / CONFIG_NAME, migrations_dir.resolve().parent / CONFIG_NAME):
        if path.is_file():
            return path
    return None


def _build(cls: type, table: dict[str, Any], where: str):
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(table) - known)
    if unknown:
        raise UsageError(f"unknown key(s) in [{where}]: {', '.join(unknown)}",
                         hint=f"valid keys: {', '.join(sorted(known))}")
    values = {k: tuple(v) if isinstance(v, list) else v for k, v in table.items()}
    return cls(**values)


def load_config(*, migrations_dir: str | None = None, config_file: str | None = None) -> Config:
    mdir = resolve_migrations_dir(migrations_dir)
    path = _find_config_file(config_file, mdir)
    data: dict[str, Any] = {}
    if path is not None:
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: not valid TOML: {exc}") from None
        if not migrations_dir and not os.environ.get("MIGRATIONS_DIR") and "migrations_dir" in data:
            mdir = (path.parent / data["migrations_dir"]).resolve()
    unknown = sorted(set(data) - {"migrations_dir", "engine", "environments", "backup", "lint"})
    if unknown:
        raise UsageError(f"{path}: unknown section(s): {', '.join(unknown)}")

    environments = {name: _default_environment(name) for name in DEFAULT_ENVIRONMENTS}
    for name, table in (data.get("environments") or {}).items():
        base = environments.get(name) or _default_environment(name)
        overrides = dict(table)
        environments[name] = _build(Environment, {**base.__dict__, **overrides, "name": name},
                                    f"environments.{name}")

    backup = _build(BackupSettings, data.get("backup") or {}, "backup")
    backup = replace(
        backup,
        bucket=os.environ.get("BACKUP_S3_BUCKET") or backup.bucket,
        prefix=os.environ.get("BACKUP_S3_PREFIX") or backup.prefix,
        region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or backup.region,
        endpoint_url=(os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
                      or backup.endpoint_url),
    )
    return Config(
        migrations_dir=mdir,
        engine=_build(EngineSettings, data.get("engine") or {}, "engine"),
        environments=environments,
        backup=backup,
        lint=_build(LintSettings, data.get("lint") or {}, "lint"),
        source=path,
    )
