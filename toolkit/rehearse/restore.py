"""A partial restore of a backup into the scratch database.

The dump is downloaded once, decompressed and checked against its manifest (size, SHA-256) into a
temporary file in the scratch's work directory, which is deleted with it. The copy never leaves
the machine.

pg_restore is then given that file through a pipe, not by name. A dump streamed into S3 by
pg_dump has no data offsets, and on a seekable file pg_restore skips each unwanted table's data
with one fseeko per COPY row (pg_dump writes one block per row): 2.3 s of system calls to reach a
table behind 580 MB of others, against 0.7 s reading the same bytes from a pipe (measured on the
1 GB benchmark database). From a pipe pg_restore cannot go back, so each use-list keeps the
archive's own order, which `toc.plan_restore` does.
"""

from __future__ import annotations

import os
import subprocess
import threading
import time
from collections.abc import Iterable
from pathlib import Path

import msgspec
from psycopg import sql

from toolkit.backup.manifest import Manifest
from toolkit.backup.pgtools import conninfo_and_env, find_tool, last_error_line
from toolkit.backup.s3 import S3Uri
from toolkit.backup.stream import read_object
from toolkit.db import connect, scrub
from toolkit.errors import ToolkitError
from toolkit.rehearse.toc import (
    ForeignKey,
    RestorePlan,
    TocEntry,
    foreign_keys,
    parse_list,
    plan_restore,
    qualify,
)


class RestoreFacts(msgspec.Struct):
    backup_uri: str
    backup_started_at: str
    environment: str
    plan: RestorePlan
    download_s: float = 0.0
    restore_s: float = 0.0
    dump_bytes: int = 0
    restored_bytes: int = 0  # on-disk size of the tables restored with data (with indexes, TOAST)
    database_bytes: int = 0  # the scratch database's size after the restore
    table_bytes: dict[str, int] = msgspec.field(default_factory=dict)
    table_rows: dict[str, int] = msgspec.field(default_factory=dict)


def download(client, obj: S3Uri, manifest: Manifest, path: Path) -> int:
    """The decompressed dump into `path`, checked against the manifest; returns its size."""
    with open(path, "wb") as out:
        stats = read_object(client, obj, manifest, out.write)
    if stats.problems:
        path.unlink(missing_ok=True)
        raise ToolkitError(f"the backup {obj} failed its checks: {'; '.join(stats.problems)}")
    return stats.raw_bytes


def _feed(path: Path, fd: int) -> None:
    """Copy the file into the pipe; pg_restore closes its end once it has read what it needs."""
    try:
        with open(path, "rb", buffering=0) as f:
            while chunk := f.read(1 << 20):
                view = memoryview(chunk)
                while view:
                    view = view[os.write(fd, view):]
    except BrokenPipeError:
        pass
    finally:
        os.close(fd)


def _run(args: list[str], what: str, env: dict[str, str] | None = None, url: str = "",
         stdin_from: Path | None = None) -> str:
    """Run a client tool; with `stdin_from`, that file is its standard input, through a pipe."""
    if stdin_from is None:
        p = subprocess.run(args, capture_output=True, text=True, env=env)
    else:
        read_fd, write_fd = os.pipe()
        feeder = threading.Thread(target=_feed, args=(stdin_from, write_fd), daemon=True)
        try:
            proc = subprocess.Popen(args, stdin=read_fd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                    text=True, env=env)
        except BaseException:
            os.close(write_fd)
            raise
        finally:
            os.close(read_fd)
        feeder.start()
        out, err = proc.communicate()
        feeder.join()
        p = subprocess.CompletedProcess(args, proc.returncode, out, err)
    if p.returncode != 0:
        raise ToolkitError(f"{what} failed: {scrub(last_error_line(p.stderr), url) if url else last_error_line(p.stderr)}")
    return p.stdout


def read_toc(pg_restore: Path, dump: Path) -> list[TocEntry]:
    return parse_list(_run([str(pg_restore), "--list", str(dump)], "pg_restore --list"))


def read_foreign_keys(pg_restore: Path, dump: Path, entries: list[TocEntry], workdir: Path) -> list[ForeignKey]:
    fk_lines = [e.line for e in entries if e.desc == "FK CONSTRAINT"]
    if not fk_lines:
        return []
    listing = workdir / "fk.list"
    listing.write_text("\n".join(fk_lines) + "\n")
    text = _run([str(pg_restore), "-L", str(listing), "--file=-"], "pg_restore (foreign keys)", stdin_from=dump)
    return foreign_keys(text)


class PartialRestore:
    """Three steps, because what data is needed depends on what is pending, which the backup's
    own tracking table tells: (1) download and read the table of contents; (2) restore the schema
    (pre-data) of everything and the tracking table's rows; (3) once the caller knows the touched
    tables, their data (and what their foreign keys need), then indexes and constraints."""

    def __init__(self, client, obj: S3Uri, manifest: Manifest, scratch_url: str, workdir: Path) -> None:
        self.client, self.obj, self.manifest, self.url, self.workdir = client, obj, manifest, scratch_url, workdir
        with connect(scratch_url) as conn:
            major = conn.execute("SELECT current_setting('server_version_num')::int / 10000").fetchone()[0]
        self.pg_restore = find_tool("pg_restore", major)
        self.dump = workdir / "backup.dump"
        self.entries: list[TocEntry] = []
        self.fks: list[ForeignKey] = []
        self.download_s = self.restore_s = 0.0
        self.dump_bytes = 0

    def _restore(self, use_list: str, *sections: str) -> None:
        listing = self.workdir / "use.list"
        listing.write_text(use_list)
        conninfo, env = conninfo_and_env(self.url)
        t0 = time.monotonic()
        _run([str(self.pg_restore), "--no-owner", "--no-acl", "--exit-on-error", "-L", str(listing),
              *(f"--section={s}" for s in sections), "--dbname", conninfo],
             "pg_restore into the scratch database", env, self.url, stdin_from=self.dump)
        self.restore_s += time.monotonic() - t0

    def fetch(self) -> None:
        t0 = time.monotonic()
        self.dump_bytes = download(self.client, self.obj, self.manifest, self.dump)
        self.download_s = time.monotonic() - t0
        self.entries = read_toc(self.pg_restore, self.dump)
        self.fks = read_foreign_keys(self.pg_restore, self.dump, self.entries, self.workdir)

    def restore_schema(self, migrations_table: str) -> None:
        self._restore("\n".join(e.line for e in self.entries) + "\n", "pre-data")
        tracking = [e.line for e in self.entries if e.desc == "TABLE DATA" and e.table == qualify(migrations_table)]
        if tracking:
            self._restore("\n".join(tracking) + "\n", "data")

    def restore_data(self, touched: Iterable[str], migrations_table: str, exclude: Iterable[str] = (),
                     full: bool = False) -> RestoreFacts:
        plan = plan_restore(self.entries, touched, self.fks, migrations_table=migrations_table, exclude=exclude,
                            full=full)
        done = qualify(migrations_table)
        lines = [(";" + ln if ln.startswith(tuple(f"{e.dump_id};" for e in self.entries
                                                  if e.desc == "TABLE DATA" and e.table == done)) else ln)
                 for ln in plan.use_list.splitlines()]
        self._restore("\n".join(lines) + "\n", "data", "post-data")
        self.dump.unlink(missing_ok=True)  # the copy of production data lives no longer than needed
        facts = RestoreFacts(backup_uri=str(self.obj), backup_started_at=self.manifest.started_at,
                             environment=self.manifest.environment, plan=plan,
                             download_s=round(self.download_s, 3), dump_bytes=self.dump_bytes)
        with connect(self.url) as conn:
            for t in plan.data_tables:
                ident = sql.Identifier(*t.split(".", 1))
                conn.execute(sql.SQL("ANALYZE {}").format(ident))  # planner statistics; reltuples for the report
                facts.table_bytes[t] = conn.execute("SELECT pg_total_relation_size(%s::regclass)",
                                                    (ident.as_string(conn),)).fetchone()[0]
                facts.table_rows[t] = int(self.manifest.tables.get(t, -1))
            facts.restored_bytes = sum(facts.table_bytes.values())
            facts.database_bytes = conn.execute("SELECT pg_database_size(current_database())").fetchone()[0]
        facts.restore_s = round(self.restore_s, 3)
        return facts

    def discard(self) -> None:
        self.dump.unlink(missing_ok=True)
