"""A throwaway database for proofs: created on a server the caller names (--scratch-url), else on an
embedded cluster started for the run; dropped (and the cluster stopped) at exit.

Names start with migrate_action_scratch_<pid>_, the prefix toolkit/trace/scratch.py cleans up when a
run died before dropping its database.
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import psycopg
from psycopg import sql

from toolkit.db import connect, describe
from toolkit.errors import ToolkitError

PREFIX = "migrate_action_scratch_"


def _quiet(_: str) -> None:
    pass


def scratch_name() -> str:
    return f"{PREFIX}{os.getpid()}_{secrets.token_hex(4)}"


@contextmanager
def scratch_database(server_url: str | None = None, progress: Callable[[str], None] = _quiet) -> Iterator[str]:
    """Yield the URL of a new empty database; it is dropped when the block ends, whatever happens."""
    if server_url is None:
        from toolkit.localdev.postgres import LocalPostgres

        progress("starting an embedded PostgreSQL for the throwaway database ...")
        cluster = LocalPostgres().start()
        try:
            yield cluster.create_database(scratch_name())
        finally:
            cluster.stop()
        return
    name = scratch_name()
    with connect(server_url, application_name="migrate-action scratch") as admin:
        try:
            admin.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        except psycopg.Error as exc:
            raise ToolkitError(f"cannot create a throwaway database on {describe(server_url)}: "
                               f"{(exc.diag.message_primary or str(exc)).strip()}",
                               hint="the --scratch-url role needs CREATEDB; or leave --scratch-url out to use an "
                                    "embedded PostgreSQL") from None
    progress(f"throwaway database {name} on {describe(server_url)}")
    try:
        yield psycopg.conninfo.make_conninfo(server_url, dbname=name)
    finally:
        with connect(server_url, application_name="migrate-action scratch") as admin:
            admin.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
