"""A throwaway database for proofs: created on a server the caller names (--scratch-url), else on an
embedded cluster started for the run; dropped (and the cluster stopped) at exit. The databases and
clusters are toolkit/trace/scratch.py's (named so a later run sweeps what a killed run left); this
adds the one-line errors a command needs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress

import psycopg

from toolkit.db import connect, describe
from toolkit.errors import ToolkitError
from toolkit.trace import scratch as trace_scratch


def _quiet(_: str) -> None:
    pass


@contextmanager
def scratch_database(server_url: str | None = None, progress: Callable[[str], None] = _quiet) -> Iterator[str]:
    """Yield the URL of a new empty database; it is dropped when the block ends, whatever happens."""
    if server_url is None:
        progress("starting an embedded PostgreSQL for the throwaway database ...")
        with trace_scratch.embedded_server() as cluster, \
                trace_scratch.scratch_database(cluster.url(), template="template0") as url:
            yield url
        return
    # A bad URL or a refused login: connect's one-line error, password scrubbed.
    with connect(server_url, application_name="migrate-action scratch") as admin:
        with suppress(psycopg.Error):  # sweeping a dead run's leftovers is a courtesy, not a need
            trace_scratch.cleanup_leftovers(admin)
    try:
        # template0: a user's template1 may hold objects the migrations did not create.
        name, url = trace_scratch.create_scratch(server_url, template="template0")
    except psycopg.Error as exc:
        raise ToolkitError(f"cannot create a throwaway database on {describe(server_url)}: "
                           f"{(exc.diag.message_primary or str(exc)).strip()}",
                           hint="the --scratch-url role needs CREATEDB; or leave --scratch-url out to use an "
                                "embedded PostgreSQL") from None
    progress(f"throwaway database {name} on {describe(server_url)}")
    try:
        yield url
    finally:
        with suppress(psycopg.Error):
            trace_scratch.drop_scratch(server_url, name)
