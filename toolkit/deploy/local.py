"""The README's first command: the whole deploy job on this machine, on an embedded default.

A throwaway PostgreSQL, a local S3-compatible server (SeaweedFS) and a local health endpoint (an app
whose /healthz answers after a `SELECT 1` on the database) are started side by side; then the very
same pipeline as in GitHub Actions runs: backup -> verify -> migrate -> health checks. Everything is
stopped and removed at the end (unless --keep), and the story is printed.
"""

from __future__ import annotations

import json
import os
import time
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack

import click

from toolkit.config import load_config
from toolkit.console import info
from toolkit.deploy.pipeline import DeployOutcome, DeployRequest, HealthSpec, deploy
from toolkit.deploy.report import deploy_facts, deploy_headline
from toolkit.deploy.story import Story, render_text
from toolkit.health import Policy

BUCKET = "migrate-action-local"
DATABASE = "app"
ENVIRONMENT = "dev"
# A local service answers at once: a short interval keeps the demo quick, the semantics are the same.
LOCAL_POLICY = Policy(interval_s=0.2, successes=3, failure_limit=0, consecutive_error_limit=4, timeout_s=2,
                      deadline_s=30, backoff_base_s=0.1, backoff_max_s=1)


def run_local_deploy(*, migrations_dir: str | None = None, config_file: str | None = None, keep: bool = False,
                     fmt: str = "text") -> DeployOutcome:
    from toolkit.localdev.health_app import HealthApp
    from toolkit.localdev.postgres import LocalPostgres
    from toolkit.localdev.s3 import LocalS3

    config = load_config(migrations_dir=migrations_dir, config_file=config_file)
    config.migrations_dir.resolve(strict=False)
    story = Story("migrate-action local deploy")
    with ExitStack() as stack:
        with story.step("start", "Start PostgreSQL, S3 server and health app") as rec:
            t0 = time.monotonic()
            # Both servers take a second or two to start: start them side by side.
            with ThreadPoolExecutor(max_workers=2) as pool:
                pg_future = pool.submit(lambda: LocalPostgres().start())
                s3_future = pool.submit(lambda: LocalS3().start())
                pg, s3 = _both(pg_future, s3_future)
            if not keep:
                stack.callback(_stop_all, pg, s3)
            url = pg.create_database(DATABASE)
            s3.create_bucket(BUCKET)
            app = HealthApp(database_url=url).start()
            if not keep:
                stack.callback(app.stop)
            rec.detail = (f"PostgreSQL on 127.0.0.1:{pg.port}, S3 at {s3.endpoint_url}, health at {app.url} "
                          f"({time.monotonic() - t0:.1f} s)")
        # The backup area reads S3 settings from the environment, as in CI.
        os.environ.update({**s3.env(), "BACKUP_S3_BUCKET": BUCKET})
        config = load_config(migrations_dir=migrations_dir, config_file=config_file)
        request = DeployRequest(config=config, env_name=ENVIRONMENT, database_url=url,
                                health=HealthSpec(urls=(app.url,), policy=LOCAL_POLICY))
        outcome = deploy(request, progress=info, story=story)
        # The story first, then the teardown (which takes a moment).
        if fmt == "json":
            click.echo(json.dumps(outcome.to_dict(), indent=2))
        else:
            lines = [render_text(story, outcome=deploy_headline(outcome))]
            lines += [f"  {k}: {v.replace('`', '')}" for k, v in deploy_facts(outcome)]
            click.echo("\n".join(lines))
        if keep:
            info(f"kept running (stop them yourself): DATABASE_URL_DEV={pg.url(DATABASE)}  "
                 f"S3 {s3.endpoint_url} bucket {BUCKET}  health {app.url}")
    return outcome


def _stop_all(*servers) -> None:
    with ThreadPoolExecutor(max_workers=len(servers)) as pool:
        for f in [pool.submit(s.stop) for s in servers]:
            f.result()


def _both(a, b):
    """Both results, or the first error after stopping whichever did start."""
    results, errors = [], []
    for f in (a, b):
        try:
            results.append(f.result())
        except BaseException as exc:  # noqa: BLE001
            errors.append(exc)
            results.append(None)
    if errors:
        for r in results:
            if r is not None:
                r.stop()
        raise errors[0]
    return results
