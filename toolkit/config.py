"""Where settings come from: flags > environment variables > config file > defaults.

The config file is TOML, `migrate-action.toml`, looked up (first found wins) at `--config`,
`$MIGRATE_ACTION_CONFIG`, the current directory, then the migrations directory's parent (so a
team that runs the manager from inside `backend/migrations`, as the runbook does, keeps its config
in `backend/`). Every key is optional; see README.md for the full list.
"""

from __future__ import annotations

import os
import re
import types
import typing
from pathlib import Path
from typing import Annotated, Any, Literal

import msgspec

from toolkit.errors import UsageError

CONFIG_NAME = "migrate-action.toml"
DEFAULT_ENVIRONMENTS = ("dev", "uat", "production")
# Migration files: YYYYMMDD_HHMMSS_name.sql (the runbook's naming).
MIGRATION_RE = re.compile(r"^(\d{8}_\d{6})_([a-z0-9_]+)\.sql$")


# Value types checked at load (msgspec reads the Annotated constraints): a wrong type or range is
# one line naming the key, never a traceback at the first migration.
PositiveInt = Annotated[int, msgspec.Meta(ge=1)]
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]
NonEmptyStr = Annotated[str, msgspec.Meta(min_length=1)]
# schema_migrations or myschema.schema_migrations; quoted as identifiers by the engine.
TableName = Annotated[str, msgspec.Meta(pattern=r"^[^.\s]{1,63}(\.[^.\s]{1,63})?$",
                                        description="a table name (name or schema.name)")]
EnvVarName = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z_][A-Za-z0-9_]*$",
                                         description="an environment variable name")]
BucketName = Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]{1,254}$",
                                         description="an S3 bucket name")]
HttpUrl = Annotated[str, msgspec.Meta(pattern=r"^https?://[^\s/?#]+[^\s]*$", description="an http(s):// URL")]
Region = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]+$", description="an AWS region name (e.g. eu-west-1)")]
RuleId = Annotated[str, msgspec.Meta(pattern=r"^[a-z0-9-]+$", description="a rule id (see lint --list-rules)")]


class EngineSettings(msgspec.Struct, frozen=True):
    """How the engine runs migrations. Times in milliseconds unless the name says seconds."""

    table: TableName = "schema_migrations"
    # Lock retries (GitLab's with_lock_retries model): each try waits at most lock_timeout for its
    # table locks, so a reader queued behind the DDL never waits longer than that; tries grow from
    # lock_timeout_ms to lock_timeout_max_ms, with a pause between, until lock_retry_deadline_s.
    lock_timeout_ms: PositiveInt = 200
    lock_timeout_max_ms: PositiveInt = 5000
    lock_retry_deadline_s: PositiveFloat = 60.0
    lock_retry_pause_ms: NonNegativeInt = 500
    # Per statement; 0 disables. A long backfill should be batched, not given hours.
    statement_timeout_ms: NonNegativeInt = 30 * 60 * 1000
    # CREATE INDEX CONCURRENTLY waits for every older transaction to end; that wait blocks no reads or
    # writes, so it gets this much instead of the short lock_timeout (still under statement_timeout).
    concurrent_index_wait_s: PositiveFloat = 600.0
    # How long a second runner waits for the first to finish before giving up.
    runner_lock_wait_s: Annotated[float, msgspec.Meta(ge=0)] = 600.0
    allow_out_of_order: bool = False


class Environment(msgspec.Struct, frozen=True):
    name: str
    url_env: EnvVarName  # name of the environment variable that holds its database URL
    confirm: bool  # writes ask the operator to type the environment name
    require_backup: bool  # migrate refuses without a fresh verified backup
    backup_max_age_min: PositiveFloat = 60.0
    # Extra databases that backup-databases.sh also backs up (names of env vars holding URLs).
    extra_url_envs: tuple[EnvVarName, ...] = ()
    # Before `deploy` migrates: compare the live schema with what its applied migrations build on a
    # throwaway database. refuse: a drifted database is not migrated; warn: say so and go on.
    drift: Literal["refuse", "warn", "ignore"] = "ignore"

    def database_url_var(self) -> str | None:
        """The environment variable the URL comes from: DATABASE_URL_<ENV> (url_env), then DATABASE_URL."""
        return next((var for var in (self.url_env, "DATABASE_URL") if os.environ.get(var)), None)

    def database_url(self, override: str | None = None) -> str:
        """The URL from --database-url, DATABASE_URL_<ENV>, then DATABASE_URL."""
        if override:
            return override
        var = self.database_url_var()
        if var:
            return os.environ[var]
        raise UsageError(
            f"no database URL for environment '{self.name}'",
            hint=f"set {self.url_env} (or DATABASE_URL), or pass --database-url",
        )


class BackupSettings(msgspec.Struct, frozen=True):
    bucket: BucketName | None = None
    prefix: str = "migrate-action"
    region: Region | None = None
    endpoint_url: HttpUrl | None = None
    sse: Literal["AES256", "aws:kms"] | None = None
    kms_key_id: NonEmptyStr | None = None
    storage_class: Annotated[str, msgspec.Meta(pattern=r"^[A-Z_]+$", description="an S3 storage class")] | None = None
    compression: Literal["zstd", "gzip", "none"] = "zstd"
    compression_level: Annotated[int, msgspec.Meta(ge=0, le=22)] = 1
    compression_threads: Annotated[int, msgspec.Meta(ge=0, le=64)] = 0  # zstd workers; 0 = CPUs - 1 (1 to 4)
    part_size_mb: Annotated[int, msgspec.Meta(ge=5, le=5120)] = 8  # memory is about 3 parts


class LintSettings(msgspec.Struct, frozen=True):
    disable: tuple[RuleId, ...] = ()
    fail_on: Literal["error", "warning", "notice", "never"] = "error"
    large_table_rows: NonNegativeInt = 100_000


class Config(msgspec.Struct, frozen=True):
    migrations_dir: Path
    engine: EngineSettings = msgspec.field(default_factory=EngineSettings)
    environments: dict[str, Environment] = msgspec.field(default_factory=dict)
    backup: BackupSettings = msgspec.field(default_factory=BackupSettings)
    lint: LintSettings = msgspec.field(default_factory=LintSettings)
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


# Environment variables that feed [backup] keys; the first one set wins over the file.
BACKUP_ENV_VARS: dict[str, tuple[str, ...]] = {
    "bucket": ("BACKUP_S3_BUCKET",),
    "prefix": ("BACKUP_S3_PREFIX",),
    "region": ("AWS_REGION", "AWS_DEFAULT_REGION"),
    "endpoint_url": ("AWS_ENDPOINT_URL_S3", "AWS_ENDPOINT_URL"),
}


def _show(value: Any) -> str:
    """A value as it would be written in TOML, for error messages."""
    if isinstance(value, bool):
        return "true" if value else "false"
    import json  # error messages only

    try:
        text = json.dumps(value, default=str, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _expected(tp: Any) -> str:
    """What a field's type accepts, in words: 'an integer >= 1', 'true or false', ..."""
    origin = typing.get_origin(tp)
    if origin is Annotated:
        base, *metas = typing.get_args(tp)
        words = _expected(base)
        for meta in metas:
            if isinstance(meta, msgspec.Meta):
                if meta.description:
                    return meta.description
                bounds = [f"{op} {getattr(meta, attr)}" for attr, op in
                          (("ge", ">="), ("gt", ">"), ("le", "<="), ("lt", "<")) if getattr(meta, attr) is not None]
                if bounds:
                    words += " " + " and ".join(bounds)
                if meta.min_length:
                    words = "a non-empty string"
        return words
    if origin in (typing.Union, types.UnionType):
        return " or ".join(_expected(a) for a in typing.get_args(tp) if a is not type(None))
    if origin is Literal:
        return "one of " + ", ".join(_show(a) for a in typing.get_args(tp))
    if origin is tuple:
        return f"a list, each {_expected(typing.get_args(tp)[0])}"
    return {bool: "true or false", int: "an integer", float: "a number", str: "a string"}.get(tp, str(tp))


def _convert(cls: type, table: Any, where: str, origins: dict[str, str] | None = None):
    """Type- and range-check one table with msgspec (strict: "false" is not a bool) into `cls`.

    `where` names the table in errors ("migrate-action.toml: [engine]"); `origins` maps a key to the
    environment variable its value came from, so that error names the variable instead.
    """
    if not isinstance(table, dict):
        raise UsageError(f"{where}: expected a table, got {_show(table)}")
    known = set(cls.__struct_fields__)
    unknown = sorted(set(table) - known)
    if unknown:
        label, _, section = where.rpartition(": ")
        raise UsageError(f"{label + ': ' if label else ''}unknown key(s) in {section}: {', '.join(unknown)}",
                         hint=f"valid keys: {', '.join(sorted(known - {'name'}))}")
    try:
        return msgspec.convert(table, cls, strict=True)
    except msgspec.ValidationError as exc:
        match = re.search(r"at `\$\.([A-Za-z0-9_]+)", str(exc))
        key = match.group(1) if match else None
        if key is None or key not in table:
            raise UsageError(f"{where}: {exc}") from None
        hints = typing.get_type_hints(cls, include_extras=True)
        origin = (origins or {}).get(key)
        place = f"environment variable {origin} ({where.rpartition(': ')[2]} {key})" if origin else f"{where} {key}"
        raise UsageError(f"{place}: expected {_expected(hints[key])}, got {_show(table[key])}") from None


def _env_overrides(names: dict[str, tuple[str, ...]]) -> tuple[dict[str, str], dict[str, str]]:
    values, origins = {}, {}
    for key, variables in names.items():
        for var in variables:
            if os.environ.get(var):
                values[key], origins[key] = os.environ[var], var
                break
    return values, origins


def load_config(*, migrations_dir: str | None = None, config_file: str | None = None) -> Config:
    mdir = resolve_migrations_dir(migrations_dir)
    path = _find_config_file(config_file, mdir)
    data: dict[str, Any] = {}
    label = "defaults"
    if path is not None:
        import tomllib  # only when there is a file to read: every command imports this module

        label = path.name
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
            raise UsageError(f"{path}: not valid TOML: {exc}") from None
        except OSError as exc:
            raise UsageError(f"cannot read config file {path}: {exc.strerror}") from None
        if not migrations_dir and not os.environ.get("MIGRATIONS_DIR") and "migrations_dir" in data:
            if not isinstance(data["migrations_dir"], str) or not data["migrations_dir"]:
                raise UsageError(f"{label}: migrations_dir: expected a non-empty string, "
                                 f"got {_show(data['migrations_dir'])}")
            mdir = (path.parent / data["migrations_dir"]).resolve()
    unknown = sorted(set(data) - {"migrations_dir", "engine", "environments", "backup", "lint"})
    if unknown:
        raise UsageError(f"{path}: unknown section(s): {', '.join(unknown)}")

    environments = {name: _default_environment(name) for name in DEFAULT_ENVIRONMENTS}
    env_tables = data.get("environments") or {}
    if not isinstance(env_tables, dict):
        raise UsageError(f"{label}: [environments]: expected a table, got {_show(env_tables)}")
    for name, table in env_tables.items():
        where = f"{label}: [environments.{name}]"
        if not isinstance(table, dict):
            raise UsageError(f"{where}: expected a table, got {_show(table)}")
        if "name" in table:
            raise UsageError(f"{label}: unknown key(s) in [environments.{name}]: name", hint="the name is the table's: [environments.<name>]")
        base = environments.get(name) or _default_environment(name)
        environments[name] = _convert(Environment, {**msgspec.structs.asdict(base), **table, "name": name}, where)

    env_values, origins = _env_overrides(BACKUP_ENV_VARS)
    backup_table = data.get("backup") or {}
    if isinstance(backup_table, dict):
        backup_table = {**backup_table, **env_values}
    backup = _convert(BackupSettings, backup_table, f"{label}: [backup]", origins)
    engine = _convert(EngineSettings, data.get("engine") or {}, f"{label}: [engine]")
    if engine.lock_timeout_max_ms < engine.lock_timeout_ms:
        raise UsageError(f"{label}: [engine] lock_timeout_max_ms: expected an integer >= lock_timeout_ms "
                         f"({engine.lock_timeout_ms}), got {engine.lock_timeout_max_ms}")
    lint = _convert(LintSettings, data.get("lint") or {}, f"{label}: [lint]")
    # Rule ids in [lint] disable are checked against the rule registry by the commands that lint
    # (toolkit.plan.environment.check_lint_settings): the foundation layer knows no SQL rules.
    return Config(
        migrations_dir=mdir,
        engine=engine,
        environments=environments,
        backup=backup,
        lint=lint,
        source=path,
    )
