"""Apply and roll back migrations, keeping the engine's promises:

- a migration and its tracking row commit together or not at all (the file's own BEGIN/COMMIT are
  dropped and the engine owns the transaction);
- statements PostgreSQL refuses inside a transaction (CREATE INDEX CONCURRENTLY, VACUUM, ...) make
  their migration run statement by statement, recorded `running` then `applied`, or `failed` with
  the statement reached;
- DDL waits for its table locks only briefly: short lock_timeout, retried with backoff
  (GitLab's with_lock_retries), so traffic queued behind it is never stalled for long;
- one runner at a time (see locking.py; taken only through session.engine_session);
- every migration starts from the same session state (see session.py);
- a file cannot switch off the engine's timeouts nor touch the tracking table (check_step).
"""

from __future__ import annotations

import logging
import random
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import msgspec
import psycopg
from pglast import ast
from psycopg import errors as pg_errors

from toolkit.config import Config, EngineSettings
from toolkit.errors import ToolkitError
from toolkit.migrations import tracking
from toolkit.migrations.blockers import bounded, held_by, long_holders
from toolkit.migrations.files import MigrationFile, discover
from toolkit.migrations.session import Baseline, bound_session, changes_role, engine_session
from toolkit.migrations.status import (
    MigrationState,
    compute_states,
    has_statements,
    migration_status,
    resolve_hint,
)
from toolkit.sql.locks import duration_ms, statement_timeout_settings
from toolkit.sql.parse import ParsedFile, Statement, client_copy, parse

Progress = Callable[[str], None]


def _quiet(_: str) -> None:
    pass


class MigrationError(ToolkitError):
    """A statement failed: the message names file:line and carries PostgreSQL's own words."""

    def __init__(self, message: str, *, path: str = "", line: int = 0, hint: str | None = None) -> None:
        super().__init__(message, hint=hint, path=path, line=line)


# -- reading a migration file (pure) -----------------------------------------------------------

class Step(msgspec.Struct, frozen=True):
    """One migration (or rollback) file, parsed and checked, ready to run."""

    name: str
    path: str
    parsed: ParsedFile
    transactional: bool

    @property
    def statements(self) -> tuple[Statement, ...]:
        return self.parsed.body

    @property
    def mode(self) -> str:
        return "in one transaction" if self.transactional else "outside a transaction, statement by statement"


def check_transaction_control(parsed: ParsedFile) -> bool:
    """Validate BEGIN/COMMIT use; return True when the file can run in one transaction.

    Files may wrap their statements in BEGIN; ... COMMIT; (the runbook's style). The engine drops
    those and runs the whole file in its own transaction with the tracking row.
    """
    path = parsed.path
    depth, opened_at = 0, 0
    no_tx = [s for s in parsed.statements if s.non_transactional]
    for s in parsed.statements:
        kind = s.tx_control
        if kind == "begin":
            if depth:
                raise ToolkitError(f"{path}:{s.line}: nested BEGIN (a transaction is already open since line "
                                   f"{opened_at}); remove it", path=path, line=s.line)
            depth, opened_at = 1, s.line
        elif kind == "commit":
            if not depth:
                raise ToolkitError(f"{path}:{s.line}: COMMIT without a BEGIN; remove it", path=path, line=s.line)
            depth = 0
        elif kind in ("rollback", "prepare", "commit_prepared", "rollback_prepared", "other"):
            raise ToolkitError(f"{path}:{s.line}: {s.text.split()[0].upper()} in a migration file is not supported: "
                               "the engine owns the transaction and rolls back by itself on error",
                               path=path, line=s.line)
    if depth:
        raise ToolkitError(f"{path}:{opened_at}: BEGIN is never committed (no COMMIT before the end of the file)",
                           path=path, line=opened_at)
    if no_tx:
        tx = [s for s in parsed.statements if s.tx_control in ("begin", "commit", "savepoint", "release",
                                                               "rollback_to")]
        if tx:
            s = no_tx[0]
            raise ToolkitError(
                f"{path}:{s.line}: {s.non_transactional} cannot run inside a transaction, but this file has "
                f"{tx[0].text.split()[0].upper()} at line {tx[0].line}",
                hint="remove BEGIN/COMMIT from this file: a migration with such statements runs statement by "
                     "statement outside a transaction (better: give it a migration of its own)",
                path=path, line=s.line)
        return False
    return True


def load_step(name: str, path: str, text: str) -> Step:
    parsed = parse(text, path)
    return Step(name=name, path=path, parsed=parsed, transactional=check_transaction_control(parsed))


def load_up(f: MigrationFile) -> Step:
    return load_step(f.name, str(f.path), f.read_text())


def load_down(f: MigrationFile) -> Step | None:
    text = f.read_rollback()
    if text is None:
        return None
    return load_step(f.name, str(f.rollback_path), text)


TIMEOUT_OPT_OUT = "-- migrate-action: ignore timeout-disabled"
_TRACKING_KINDS = {"DropStmt": "drops", "RenameStmt": "renames", "AlterTableStmt": "alters",
                   "TruncateStmt": "truncates"}


def _timeout_problem(st: Statement, s: EngineSettings) -> str | None:
    """Why this statement defeats the engine's traffic protection, or None."""
    for name, value in statement_timeout_settings(st):
        if name not in ("lock_timeout", "statement_timeout"):
            continue
        ms = duration_ms(value)
        limit = s.lock_timeout_max_ms if name == "lock_timeout" else s.statement_timeout_ms
        if value is None:
            return f"{name} is reset to the server default (usually no limit)"
        if ms is None:
            return f"{name} = {value} cannot be checked against the engine's limit"
        if ms == 0 and limit:
            return f"{name} = {value} switches the engine's limit off"
        if limit and ms > limit:
            return f"{name} = {value} is above the engine's limit ({limit} ms)"
    return None


def check_step(step: Step, settings: EngineSettings) -> None:
    """Refuse, before anything runs, a statement that switches off the engine's lock protection
    (SET/SET LOCAL/RESET/set_config of lock_timeout or statement_timeout to 0, the default or above
    the engine's limit) unless it carries the opt-out comment, or that drops, renames, alters or
    truncates the tracking table (settings.table, resolved to schema.name). Cheap text checks
    first: the AST is only built for the few statements that could matter."""
    from toolkit.sql.lint import _suppressions  # the lint's own suppression syntax, one parser

    table = settings.table.lower()
    relname = table.rsplit(".", 1)[-1]
    per: dict[int, set[str]] | None = None
    whole: set[str] = set()
    for st in step.statements:
        low = st.text.lower()
        if st.kind == "VariableSetStmt" or "set_config" in low:
            problem = _timeout_problem(st, settings)
            if problem:
                if per is None:
                    found = _suppressions(step.parsed)
                    per, whole = found[0], found[1]
                if not ({"timeout-disabled", "all"} & (per.get(st.index, set()) | whole)):
                    raise ToolkitError(
                        f"{step.path}:{st.line}: {problem}; a migration cannot switch off the engine's lock "
                        "protection (readers would queue behind a blocked lock without limit)",
                        hint="remove it: the engine sets lock_timeout/statement_timeout itself ([engine] in "
                             "migrate-action.toml). For a reviewed exception put the comment "
                             f"`{TIMEOUT_OPT_OUT}` on the line before the statement (or "
                             "`-- migrate-action: ignore-file timeout-disabled`)", exit_code=2,
                        path=step.path, line=st.line)
        if st.kind == "CopyStmt" and (way := client_copy(st.node)):
            raise ToolkitError(
                f"{step.path}:{st.line}: COPY ... {way} needs a client that "
                f"{'sends' if way == 'FROM STDIN' else 'receives'} the rows (psql's \\copy); the engine runs "
                "statements only, so refusing to run the migration",
                hint="load rows with INSERT statements (or COPY FROM a file on the database server); "
                     "export data outside the migration", exit_code=2, path=step.path, line=st.line)
        verb = _TRACKING_KINDS.get(st.kind)
        if verb and relname in low:
            for rel in st.relations:
                rel = rel.lower()
                if rel == relname or rel == table:
                    raise ToolkitError(
                        f"{step.path}:{st.line}: this statement {verb} {settings.table}, the engine's own tracking "
                        "table; refusing to run the migration",
                        hint="if it means another tool's table of the same name, qualify it with that table's "
                             "schema; or give migrate-action a table of its own with [engine] table in "
                             "migrate-action.toml", exit_code=2, path=step.path, line=st.line)


# -- deciding what runs (pure) -----------------------------------------------------------------

def pending_plan(states: list[MigrationState], env_name: str, *, allow_out_of_order: bool) -> list[MigrationState]:
    """The pending migrations in order, or an error for anything that must be resolved first."""
    failed = [s for s in states if s.state == "failed"]
    if failed:
        s = failed[0]
        err = (s.row.error or "").splitlines()[0] if s.row and s.row.error else "interrupted"
        raise ToolkitError(f"migration {s.name} is recorded as failed ({err}); refusing to apply more",
                           hint=resolve_hint(s, env_name))
    changed = [s for s in states if s.state == "changed"]
    if changed:
        names = ", ".join(f"{s.name}.sql" for s in changed)
        raise ToolkitError(f"applied migration file(s) changed since they were applied: {names}",
                           hint=resolve_hint(changed[0], env_name))
    pending = [s for s in states if s.state == "pending"]
    applied = [s.name for s in states if s.state in ("applied", "missing", "running")]
    if pending and applied and not allow_out_of_order:
        newest = max(applied)
        early = [s.name for s in pending if s.name < newest]
        if early:
            raise ToolkitError(
                f"{early[0]} is older than the newest applied migration {newest}: refusing to apply it out of order",
                hint="it was probably merged after a newer one was deployed. If it does not depend on the order, "
                     "pass --allow-out-of-order; otherwise recreate it with a newer timestamp (`create`)")
    return pending


# -- running ------------------------------------------------------------------------------------

class Applied(msgspec.Struct):
    name: str
    execution_ms: int
    transactional: bool
    statements: int


class RunResult(msgspec.Struct):
    applied: list[Applied] = msgspec.field(default_factory=list)
    rolled_back: list[str] = msgspec.field(default_factory=list)
    skipped: list[str] = msgspec.field(default_factory=list)  # irreversible: only the tracking row was removed


class _LockBusy(Exception):
    def __init__(self, relations: tuple[str, ...], line: int) -> None:
        self.relations, self.line = relations, line

    @classmethod
    def of(cls, st: Statement) -> _LockBusy:
        return cls(st.relations, st.line)


def _one_line(text: str | None) -> str:
    """PostgreSQL's multi-line DETAIL (one line per dependent object, ...) on one line."""
    return "; ".join(ln.strip() for ln in (text or "").splitlines() if ln.strip())


def _line_of(st: Statement, exc: psycopg.Error) -> int:
    pos = getattr(exc.diag, "statement_position", None)
    try:
        pos = int(pos) if pos else 0
    except ValueError:
        pos = 0
    return st.line + st.text[: max(pos - 1, 0)].count("\n") if pos else st.line


def _statement_error(step: Step, st: Statement, exc: psycopg.Error, *, applied_note: str) -> MigrationError:
    diag = exc.diag
    message = _one_line(diag.message_primary or str(exc).strip().splitlines()[0])
    line = _line_of(st, exc)
    n, total = step.statements.index(st) + 1, len(step.statements)
    extra = "; ".join(_one_line(x) for x in (diag.message_detail, diag.message_hint) if x)
    hint = f"statement {n} of {total}: {st.text.splitlines()[0][:100]}"
    if extra:
        hint += f" | {extra}"
    return MigrationError(f"{step.path}:{line}: {message} ({applied_note})", path=step.path, line=line, hint=hint)


def _end_error(step: Step, exc: psycopg.Error, *, applied_note: str) -> MigrationError:
    """An error after the file's last statement: its COMMIT (a deferred constraint, a constraint
    trigger) or the tracking write. Named by file like any other."""
    diag = exc.diag
    message = _one_line(diag.message_primary or str(exc).strip().splitlines()[0])
    extra = "; ".join(_one_line(x) for x in (diag.message_detail, diag.message_hint) if x)
    line = step.statements[-1].end_line if step.statements else 1
    return MigrationError(
        f"{step.path}:{line}: {message}, raised at COMMIT after the last statement ({applied_note})",
        path=step.path, line=line,
        hint="a deferred constraint or constraint trigger checks the migration's rows when it commits"
             + (f" | {extra}" if extra else ""))


class Engine:
    """Runs steps on one autocommit connection with the runner lock held by the caller."""

    def __init__(self, conn: psycopg.Connection, settings: EngineSettings, progress: Progress = _quiet) -> None:
        if not conn.autocommit:
            raise RuntimeError("the engine needs an autocommit connection")
        self.conn = conn
        self.s = settings
        self.progress = progress
        self.baseline = Baseline(conn)

    # lock retries ------------------------------------------------------------------------------
    def _retrying(self, label: str, attempt_fn: Callable[[int], None]) -> None:
        """Run attempt_fn(lock_timeout_ms) until it gets its locks or the deadline passes."""
        s = self.s
        start = time.monotonic()
        timeout, tries = s.lock_timeout_ms, 0
        while True:
            tries += 1
            try:
                attempt_fn(timeout)
                return
            except _LockBusy as busy:
                tables = ", ".join(busy.relations) or "its tables"
                elapsed = time.monotonic() - start
                pause = min(s.lock_retry_pause_ms * (1.5 ** (tries - 1)), 5000) / 1000
                pause *= random.uniform(0.75, 1.25)  # jitter: two runners don't retry in lockstep
                if elapsed + pause >= s.lock_retry_deadline_s:
                    raise ToolkitError(
                        f"could not get lock on {tables}{held_by(self.conn, busy.relations)}, for {label}, after "
                        f"{tries} tries in {elapsed:.0f} s (line {busy.line}); nothing from it was applied",
                        hint="a long transaction holds a conflicting lock: find it in pg_stat_activity, or retry "
                             "at a quieter time; [engine] lock_retry_deadline_s allows longer") from None
                self.progress(f"    lock on {tables} busy (try {tries}, waited at most {timeout} ms); "
                              f"retrying in {pause:.1f} s")
                time.sleep(pause)
                timeout = min(timeout * 2, s.lock_timeout_max_ms)

    def _lock_wait_ms(self, st: Statement, lock_ms: int) -> int:
        """CREATE INDEX CONCURRENTLY holds only SHARE UPDATE EXCLUSIVE (no read or write waits on it) and
        then waits for every older transaction (virtualxid locks): a report or export running longer
        than lock_timeout would cancel it on every try, so it waits up to concurrent_index_wait_s."""
        if st.non_transactional == "CREATE INDEX CONCURRENTLY":
            return max(lock_ms, int(self.s.concurrent_index_wait_s * 1000))
        return lock_ms

    def _set_timeouts(self, lock_ms: int, local: bool) -> None:
        self.conn.execute("SELECT set_config('lock_timeout', %s, %s), set_config('statement_timeout', %s, %s)",
                          (f"{lock_ms}ms", local, f"{self.s.statement_timeout_ms}ms", local))

    def _exec(self, st: Statement) -> None:
        try:
            self.conn.execute(st.text, prepare=False)
        except pg_errors.LockNotAvailable:
            raise _LockBusy.of(st) from None

    def reset_session(self) -> None:
        """Back to the state the run started with (see session.py); autocommit, between statements."""
        try:
            self.baseline.reset(self.conn)
        except psycopg.Error:
            pass  # the connection is gone: nothing later runs on it

    # applying ----------------------------------------------------------------------------------
    def apply(self, f: MigrationFile, step: Step, *, note: str | None = None, durable: bool = True) -> Applied:
        """Apply one migration. durable=False lets its commit skip the WAL flush (see apply_pending)."""
        start = time.monotonic()
        if step.transactional:
            checksum = f.checksum
            self._retrying(f.name, lambda lock_ms: self._run_in_transaction(
                step, lock_ms, durable=durable,
                record=lambda: tracking.insert_row(self.conn, self.s.table, f.name, checksum, status="applied",
                                                   note=note, server_timed=True),
                failed_note="rolled back: nothing from this migration was applied"))
        else:
            self._apply_statement_by_statement(f, step, note)
        ms = int((time.monotonic() - start) * 1000)
        return Applied(f.name, ms, step.transactional, len(step.statements))

    def _run_in_transaction(self, step: Step, lock_ms: int, *, durable: bool, record: Callable[[], None],
                            failed_note: str) -> None:
        """The step's statements and its tracking write in one transaction, sent as one pipeline:
        a single round trip per migration, whatever its length. The failing statement is the first
        one without a result."""
        cursors: list[psycopg.Cursor] = []
        local = (("lock_timeout", f"{lock_ms}ms"), ("statement_timeout", f"{self.s.statement_timeout_ms}ms"),
                 ("synchronous_commit", "on" if durable else "off"))
        error: psycopg.Error | None = None
        with _quiet_aborted_pipeline(), self.conn.pipeline():
            # Caught inside the pipeline block: an error escaping it makes psycopg log "error ignored
            # terminating <psycopg.Pipeline ...>" on stderr while it drains the aborted pipeline.
            # conn.transaction() nests pipelines of its own, whose exit can log the same when the
            # error arrives while the block is still running (timing): that line is kept out too.
            try:
                with self.conn.transaction():
                    self.conn.execute(
                        "SELECT set_config('lock_timeout', %s, true), set_config('statement_timeout', %s, true), "
                        "set_config('synchronous_commit', %s, true)", tuple(v for _, v in local))
                    for st in step.statements:
                        cur = self.conn.cursor()
                        cur.execute(st.text, prepare=False)
                        cursors.append(cur)
                    # The file's SETs (search_path, role, timezone...) end with it, in the same round
                    # trip; the tracking write then runs as the engine, under the engine's timeouts.
                    self.baseline.reset(self.conn, local, role=changes_role(step.statements))
                    record()
            except psycopg.Error as exc:
                error = exc
        if error is not None:
            exc = error
            failed = next((st for st, cur in zip(step.statements, cursors, strict=True) if cur.pgresult is None),
                          None)
            if isinstance(exc, pg_errors.LockNotAvailable):
                raise (_LockBusy.of(failed) if failed else _LockBusy((self.s.table,), 0)) from None
            if failed is None:
                raise _end_error(step, exc, applied_note=failed_note) from None
            raise _statement_error(step, failed, exc, applied_note=failed_note) from None

    def _track(self, label: str, fn: Callable[[], object]) -> None:
        bounded(self.conn, self.s, label, self.s.table, fn, self.progress)

    def _apply_statement_by_statement(self, f: MigrationFile, step: Step, note: str | None) -> None:
        table = self.s.table
        self._track(f"recording {f.name} as running", lambda: tracking.insert_row(
            self.conn, table, f.name, f.checksum, status="running", note=note))
        t0 = time.monotonic()
        total = len(step.statements)
        for n, st in enumerate(step.statements, 1):
            try:
                self._drop_leftover_invalid_index(st)
                before = self._invalid_indexes(st)

                def attempt(lock_ms: int, st: Statement = st, before: set = before) -> None:
                    self._set_timeouts(self._lock_wait_ms(st, lock_ms), local=False)
                    try:
                        self._exec(st)
                    except _LockBusy:
                        # A CREATE INDEX CONCURRENTLY that timed out leaves an INVALID index behind,
                        # which IF NOT EXISTS would accept on the next try: drop it first.
                        self._drop_invalid(self._invalid_indexes(st) - before)
                        raise

                if total > 1:
                    self.progress(f"    statement {n}/{total} (line {st.line}): {st.text.splitlines()[0][:70]}")
                self._retrying(f"{f.name} statement {n}", attempt)
            except BaseException as exc:
                left = self._invalid_indexes(st) - before if isinstance(exc, psycopg.Error | ToolkitError) else set()
                message = (exc.diag.message_primary if isinstance(exc, psycopg.Error) and exc.diag.message_primary
                           else str(exc) or type(exc).__name__)
                self.reset_session()
                try:
                    self._track(f"recording {f.name} as failed", lambda n=n, message=message: tracking.finish_row(
                        self.conn, table, f.name, status="failed", failed_statement=n, error=message))
                except (psycopg.Error, ToolkitError):
                    pass  # connection lost: the row stays 'running', which status reports as failed
                if isinstance(exc, psycopg.Error):
                    err = _statement_error(step, st, exc, applied_note=(
                        f"statements 1-{n - 1} of {total} stayed applied; recorded as failed" if n > 1
                        else "recorded as failed; nothing was applied"))
                    if left:
                        dropped = self._drop_invalid(left)
                        err.hint = (err.hint or "") + (
                            f" | the failed build left INVALID index(es) {', '.join(sorted(left))}"
                            + (": dropped" if dropped else ": drop them (DROP INDEX CONCURRENTLY) before retrying"))
                    raise err from None
                raise
        self.reset_session()
        ms = int((time.monotonic() - t0) * 1000)
        self._track(f"recording {f.name} as applied", lambda: tracking.finish_row(
            self.conn, table, f.name, status="applied", execution_ms=ms))

    # invalid indexes (CREATE INDEX CONCURRENTLY leftovers) --------------------------------------
    def _invalid_indexes(self, st: Statement) -> set[str]:
        if not isinstance(st.node, ast.IndexStmt) or not st.node.concurrent or not st.relations:
            return set()
        rows = self.conn.execute(
            """SELECT i.indexrelid::regclass::text FROM pg_index i
                WHERE i.indrelid = to_regclass(%s) AND NOT i.indisvalid""", (st.relations[0],)).fetchall()
        return {r[0] for r in rows}

    def _drop_leftover_invalid_index(self, st: Statement) -> None:
        node = st.node
        if not isinstance(node, ast.IndexStmt) or not node.concurrent or not node.idxname:
            return
        schema = node.relation.schemaname
        qualified = f"{schema}.{node.idxname}" if schema else node.idxname
        row = self.conn.execute(
            "SELECT NOT indisvalid FROM pg_index WHERE indexrelid = to_regclass(%s)", (qualified,)).fetchone()
        if row and row[0]:
            self.progress(f"    index {qualified} exists but is INVALID (left by an earlier failed build): "
                          "dropping it to build it again")
            self._drop_invalid({qualified})

    def _drop_invalid(self, names: set[str]) -> bool:
        from psycopg import sql

        ok = True
        for name in sorted(names):
            try:
                self.conn.execute(sql.SQL("DROP INDEX CONCURRENTLY IF EXISTS {}").format(
                    sql.Identifier(*name.split(".", 1))))
            except psycopg.Error:
                ok = False
        return ok

    # rolling back ------------------------------------------------------------------------------
    def rollback(self, f: MigrationFile, step: Step) -> int:
        table = self.s.table
        start = time.monotonic()
        if step.transactional:
            self._retrying(f"rollback of {f.name}", lambda lock_ms: self._run_in_transaction(
                step, lock_ms, durable=True, record=lambda: tracking.delete_row(self.conn, table, f.name),
                failed_note="rolled back: the migration is still applied"))
        else:
            for n, st in enumerate(step.statements, 1):
                try:
                    self._retrying(f"rollback of {f.name} statement {n}",
                                   lambda lock_ms, st=st: (self._set_timeouts(lock_ms, local=False), self._exec(st)))
                except psycopg.Error as exc:
                    self.reset_session()
                    raise _statement_error(step, st, exc, applied_note=(
                        f"rollback statements 1-{n - 1} ran; the migration is still recorded as applied")) from None
            self.reset_session()
            self._track(f"removing {f.name}'s row", lambda: tracking.delete_row(self.conn, table, f.name))
        return int((time.monotonic() - start) * 1000)

    # proving without keeping -------------------------------------------------------------------
    def _sequences(self) -> dict[str, int | None]:
        return dict(self.conn.execute(
            "SELECT format('%I.%I', schemaname, sequencename), last_value FROM pg_sequences").fetchall())

    def execute_and_discard(self, items: list[tuple[MigrationFile, Step]]) -> Trial:
        """Try the migrations, in order, in one transaction that is rolled back. Each migration runs
        in a savepoint, so one failure does not hide the others; a migration that must run outside a
        transaction is not tried (listed, with why), and the later ones still are. Sequences are not
        transactional: what the trial advanced is reported."""
        trial = Trial()
        before = self._sequences()
        local = (("lock_timeout", f"{self.s.lock_timeout_max_ms}ms"),
                 ("statement_timeout", f"{self.s.statement_timeout_ms}ms"))
        try:
            with self.conn.transaction():
                tracking.ensure_table(self.conn, self.s.table)
                self.baseline.reset(self.conn, local)
                skipped: list[str] = []
                for f, step in items:
                    if not step.transactional:
                        st = next(st for st in step.statements if st.non_transactional)
                        trial.not_tried.append((f.name, f"runs outside a transaction ({st.non_transactional} at "
                                                        f"line {st.line}), so it cannot be tried and discarded"))
                        skipped.append(f.name)
                        continue
                    try:
                        with self.conn.transaction():  # a savepoint
                            for st in step.statements:
                                try:
                                    self._exec(st)
                                except psycopg.Error as exc:
                                    raise _statement_error(step, st, exc, applied_note="trial run") from None
                            self.baseline.reset(self.conn, local)
                            tracking.insert_row(self.conn, self.s.table, f.name, f.checksum, status="applied")
                    except _LockBusy as busy:
                        raise ToolkitError(f"could not get lock on {', '.join(busy.relations)}"
                                           f"{held_by(self.conn, busy.relations)} ({step.path}:{busy.line}) while "
                                           "trying the migrations; nothing was kept") from None
                    except MigrationError as err:
                        after_skip = f" (it may depend on {', '.join(skipped)}, not tried)" if skipped else ""
                        trial.failed.append((f.name, f"{err.message}{after_skip}" + (
                            f" [{err.hint}]" if err.hint else "")))
                        self.baseline.reset(self.conn, local)
                        continue
                    trial.tried.append((f.name, len(step.statements)))
                raise psycopg.Rollback()
        except psycopg.Rollback:
            pass
        after = self._sequences()
        for name, value in sorted(after.items()):
            if name in before and before[name] != value:
                trial.sequences.append((name, before[name], value))
        return trial


class Trial(msgspec.Struct):
    """What a --dry-run --execute proved, and what it did not."""

    tried: list[tuple[str, int]] = msgspec.field(default_factory=list)  # (name, statements) applied and discarded
    not_tried: list[tuple[str, str]] = msgspec.field(default_factory=list)  # (name, why)
    failed: list[tuple[str, str]] = msgspec.field(default_factory=list)  # (name, error)
    sequences: list[tuple[str, int | None, int | None]] = msgspec.field(default_factory=list)  # advanced, not restored


class _AbortedPipelineNoise(logging.Filter):
    """psycopg's warning that it ignored "pipeline aborted" while an error was already on its way: the
    engine reports that error itself, in one line."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not str(record.msg).startswith("error ignored terminating")


@contextmanager
def _quiet_aborted_pipeline() -> Iterator[None]:
    log, quiet = logging.getLogger("psycopg"), _AbortedPipelineNoise()
    log.addFilter(quiet)
    try:
        yield
    finally:
        log.removeFilter(quiet)


# -- whole operations used by the CLI and the deploy pipeline -----------------------------------

def read_states(conn: psycopg.Connection, config: Config, table: str | None = None) -> list[MigrationState]:
    """States from the files and the tracking table (table: the run's resolved schema.name)."""
    s = config.engine
    bound_session(conn, s)
    rows = bounded(conn, s, "reading the migration history", table or s.table,
                   lambda: tracking.applied_rows(conn, table or s.table))
    return compute_states(discover(config.migrations_dir), rows)


def _report_long_holders(conn: psycopg.Connection, steps: dict[str, Step], progress: Progress) -> None:
    rels: set[str] = set()
    for step in steps.values():
        for st in step.statements:
            rels |= set(st.relations)  # every table the statement names (cached; DROP targets too)
    try:
        found = long_holders(conn, rels)
    except psycopg.Error:
        return
    for line in found:
        progress(f"warning: {line}; a migration that needs a stronger lock on it will wait for it")


def apply_pending(conn: psycopg.Connection, config: Config, env_name: str, *, allow_out_of_order: bool = False,
                  note: str | None = None, progress: Progress = _quiet,
                  before_write: Callable[[list[MigrationState]], None] | None = None) -> RunResult:
    """Apply every pending migration in order under the runner lock.

    before_write(plan) is called once there is something to apply and before anything is written
    (confirmation prompts, the backup gate); it may raise to stop.
    """
    s = config.engine
    allow = allow_out_of_order or s.allow_out_of_order
    bound_session(conn, s)
    # Runner-aware here: a migration another runner is inside right now is "running", so this run
    # waits for the lock below instead of refusing it as failed.
    states = bounded(conn, s, "reading the migration history", s.table, lambda: migration_status(config, conn))
    plan = pending_plan(states, env_name, allow_out_of_order=allow)
    result = RunResult()
    if not plan and not any(st.state == "running" for st in states):
        return result
    steps = {p.name: load_up(p.file) for p in plan}  # parse + check every file before anything runs
    for step in steps.values():
        check_step(step, s)
    if before_write and plan:
        before_write(plan)
    with engine_session(conn, s, progress) as run:
        # Another runner may have applied some while we waited: decide again under the lock, and
        # apply only what was confirmed (a file added meanwhile waits for the next run).
        plan = [p for p in pending_plan(read_states(conn, config, run.table), env_name, allow_out_of_order=allow)
                if p.name in steps]
        for p in plan:
            check_step(steps[p.name], run)  # against the resolved schema.name of the tracking table
        _report_long_holders(conn, {p.name: steps[p.name] for p in plan}, progress)
        engine = Engine(conn, run, progress)
        for i, p in enumerate(plan, 1):
            step = steps[p.name]
            progress(f"[{i}/{len(plan)}] {p.name} ({step.mode}) ...")
            # Only the last commit of the run waits for its WAL flush; it flushes the earlier ones too.
            # A server crash mid-run can lose the last few un-flushed migrations, each together with
            # its tracking row (never one without the other), and the run itself fails.
            applied = engine.apply(p.file, step, note=note, durable=i == len(plan))
            progress(f"[{i}/{len(plan)}] {p.name} applied in {applied.execution_ms} ms")
            result.applied.append(applied)
    return result


def rollback_plan(states: list[MigrationState], name: str, env_name: str, *, cascade: bool) -> list[MigrationState]:
    """The migrations to roll back, newest first, ending with `name` (pure)."""
    by_name = {s.name: s for s in states}
    target = by_name.get(name)
    if target is None or target.state == "pending":
        raise ToolkitError(f"{name} is not applied on {env_name}: nothing to roll back",
                           hint="`status --env " + env_name + "` lists what is applied")
    if target.state == "failed":
        raise ToolkitError(f"{name} is recorded as failed, not applied", hint=resolve_hint(target, env_name))
    later = [s for s in states if s.name > name and s.state in ("applied", "changed", "missing", "failed")]
    if later and not cascade:
        names = ", ".join(s.name for s in reversed(later))
        raise ToolkitError(
            f"cannot roll back {name}: later migrations are still applied: {names}",
            hint="roll those back first (newest first), or pass --cascade to roll back all of them, newest first")
    chain = list(reversed(later)) + [target]
    for s in chain:
        if s.file is None:
            raise ToolkitError(f"{s.name}: its migration file is missing, so its rollback file cannot be found",
                               hint="the way back is a restore from backup: `list-backups --env " + env_name +
                                    "` then `restore --uri ... --env " + env_name + "`")
        if s.file.rollback_path is None:
            raise ToolkitError(f"{s.name} has no rollback file ({s.name}_rollback.sql)",
                               hint="the way back is a restore from backup: `list-backups --env " + env_name +
                                    "` then `restore --uri ... --env " + env_name + "`")
    return chain


def rollback(conn: psycopg.Connection, config: Config, env_name: str, name: str, *, cascade: bool = False,
             skip_irreversible: bool = False, progress: Progress = _quiet,
             before_write: Callable[[list[MigrationState]], None] | None = None) -> RunResult:
    """Roll back `name` (and, with cascade, every later one). A migration whose rollback file has no
    statement (only comments or BEGIN/COMMIT) is irreversible: refused, unless skip_irreversible,
    which removes only its tracking row (its changes stay) and reports it in result.skipped."""
    s = config.engine
    chain = rollback_plan(read_states(conn, config), name, env_name, cascade=cascade)
    steps: dict[str, Step | None] = {}
    for st in chain:
        step = load_down(st.file)
        if step is None or not has_statements(step.parsed):
            if not skip_irreversible:
                raise ToolkitError(
                    f"{st.file.rollback_path}: the rollback file has no statements: {st.name} is irreversible",
                    hint="write the statements that undo the migration, or restore from a backup; to roll back "
                         "past it keeping its changes, pass --skip-irreversible (removes only its tracking row)")
            steps[st.name] = None
            continue
        check_step(step, s)
        steps[st.name] = step
    if before_write:
        before_write(chain)
    result = RunResult()
    with engine_session(conn, s, progress) as run:
        chain = rollback_plan(read_states(conn, config, run.table), name, env_name, cascade=cascade)
        engine = Engine(conn, run, progress)
        for i, st in enumerate(chain, 1):
            step = steps.get(st.name)
            if step is None and st.name in steps:
                engine._track(f"removing {st.name}'s row", lambda n=st.name: tracking.delete_row(conn, run.table, n))
                progress(f"[{i}/{len(chain)}] {st.name} skipped: irreversible (empty rollback file); its tracking "
                         "row was removed, its changes stay")
                result.skipped.append(st.name)
                continue
            if step is None:  # applied meanwhile by another runner: read its rollback now
                step = load_down(st.file)
                if step is None or not has_statements(step.parsed):
                    raise ToolkitError(f"{st.name}: the rollback file has no statements")
            progress(f"[{i}/{len(chain)}] rolling back {st.name} ...")
            ms = engine.rollback(st.file, step)
            progress(f"[{i}/{len(chain)}] {st.name} rolled back in {ms} ms")
            result.rolled_back.append(st.name)
    return result
