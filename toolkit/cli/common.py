"""Options every command shares, so `--env`, `--dir`, `--config` and `--database-url` mean the
same thing everywhere."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import click

from toolkit.config import Config, Environment, load_config


def dir_option(f: Callable) -> Callable:
    f = click.option("--config", "config_file", metavar="FILE", envvar="MIGRATE_ACTION_CONFIG",
                     help="Config file (default: ./migrate-action.toml, or next to the migrations folder).")(f)
    f = click.option("--dir", "migrations_dir", metavar="DIR",
                     help="Migrations folder (default: $MIGRATIONS_DIR, else ./migrations, "
                          "or the current folder when run inside it).")(f)
    return f


def env_options(f: Callable) -> Callable:
    f = click.option("--database-url", metavar="URL",
                     help="Override the database URL (default: $DATABASE_URL_<ENV>, else $DATABASE_URL).")(f)
    f = click.option("--env", "env_name", required=True, metavar="ENV",
                     help="Target environment: dev, uat, production, or one from the config file.")(f)
    return dir_option(f)


class Context:
    """What a command needs, resolved once from flags, environment and config file."""

    def __init__(self, config: Config, env: Environment | None, database_url_override: str | None):
        self.config = config
        self.env = env
        self._override = database_url_override

    @property
    def database_url(self) -> str:
        assert self.env is not None
        return self.env.database_url(self._override)


def make_context(migrations_dir: str | None, config_file: str | None, env_name: str | None = None,
                 database_url: str | None = None) -> Context:
    config = load_config(migrations_dir=migrations_dir, config_file=config_file)
    env = config.environment(env_name) if env_name else None
    return Context(config, env, database_url)


def echo_json(value: Any) -> None:
    click.echo(json.dumps(value, indent=2, default=str))


def format_option(*choices: str, default: str = "text") -> Callable:
    return click.option("--format", "fmt", type=click.Choice(list(choices)), default=default,
                        show_default=True, help="Output format.")



def confirm_callback(yes: bool) -> Callable[[str, str], None]:
    """The use cases' `confirm`: --yes confirms; else the operator types the environment's name on
    a terminal, and without one it is refused (toolkit.console.confirm_environment)."""
    from toolkit.console import confirm_environment

    return lambda env_name, action: confirm_environment(env_name, action, assume_yes=yes)
