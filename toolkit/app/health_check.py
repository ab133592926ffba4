"""Use case: is a service healthy? HTTP(S) GETs and/or a SQL query, Argo Rollouts style (`health-check`).

health_check(settings, on_measurement) -> HealthResult. HealthKnobs is the flat form of the
settings (the CLI's flags, the action's inputs) and builds the HealthSpec that `deploy` takes too.

I/O: GETs the URLs; runs the SQL query on the environment's database (the config is loaded only
then, from settings.migrations_dir / config_file); appends the Markdown result to
$GITHUB_STEP_SUMMARY when it is set. Changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable

import msgspec

from toolkit.deploy.pipeline import HealthSpec
from toolkit.errors import UsageError
from toolkit.health import HealthResult, Measurement, Policy, parse_status_codes, run_health_checks


class HealthKnobs(msgspec.Struct, frozen=True):
    """One value per flag (`--expected-status` ... `--count`); defaults are the CLI's and the action's."""

    urls: tuple[str, ...] = ()  # each may hold several, separated by blanks or newlines
    sql: str | None = None
    expected_status: str = "200-299"
    body_match: str | None = None
    deadline: float = 120.0
    timeout: float = 10.0
    interval: float = 5.0
    initial_delay: float = 0.0
    retries: int = 4
    failure_limit: int = 2
    successes: int = 3
    count: int = 0

    def spec(self) -> HealthSpec:
        """The checks and their policy; a malformed URL or status list is a one-line UsageError."""
        policy = Policy(initial_delay_s=self.initial_delay, interval_s=self.interval, count=self.count,
                        failure_limit=self.failure_limit, consecutive_error_limit=self.retries,
                        successes=self.successes, timeout_s=self.timeout, deadline_s=self.deadline,
                        # errors are retried sooner than the interval, and never wait longer than 4 of them
                        backoff_base_s=min(1.0, max(self.interval, 0.05)),
                        backoff_max_s=max(self.interval * 4, 1.0))
        return HealthSpec(urls=tuple(u for value in self.urls for u in value.split()),
                          expected=parse_status_codes(self.expected_status), body_match=self.body_match or None,
                          sql=(self.sql or "").strip() or None, policy=policy)


class HealthCheckSettings(msgspec.Struct, frozen=True):
    health: HealthSpec
    env_name: str | None = None  # the environment whose database the SQL check queries
    database_url: str | None = None  # override of that environment's URL (or the URL, without env_name)
    migrations_dir: str | None = None  # where the config is found, for env_name
    config_file: str | None = None
    summary: bool = True  # append the Markdown result to $GITHUB_STEP_SUMMARY when it is set


def health_check(settings: HealthCheckSettings,
                 on_measurement: Callable[[Measurement], None] | None = None) -> HealthResult:
    """Healthy or not is in the result (result.ok); only bad input raises (a one-line UsageError)."""
    from toolkit.github.context import append_summary
    from toolkit.health.report import render_markdown

    spec = settings.health
    url = None
    if spec.sql:
        if not (settings.env_name or settings.database_url):
            raise UsageError("--sql needs --env (or --database-url) for the database to query")
        url = settings.database_url or _environment_url(settings)
    if not spec.configured:
        raise UsageError("nothing to check", hint="pass --url (one or more) and/or --sql")
    result = run_health_checks(spec.checks(url or ""), spec.policy, on_measurement=on_measurement)
    if settings.summary:
        append_summary(render_markdown(result))
    return result


def _environment_url(settings: HealthCheckSettings) -> str:
    from toolkit.config import load_config

    config = load_config(migrations_dir=settings.migrations_dir, config_file=settings.config_file)
    return config.environment(settings.env_name or "").database_url()
