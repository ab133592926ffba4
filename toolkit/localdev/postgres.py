"""A throwaway PostgreSQL cluster (initdb + pg_ctl) for the quick start, tests and benchmarks.

initdb refuses to run as root, so as root the cluster runs as the `postgres` user (or $PGUSER_OS).
"""

from __future__ import annotations

import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from pathlib import Path

from toolkit.errors import ToolkitError

INSTALL_HINT = ("install the PostgreSQL server: `apt-get install postgresql` (Debian/Ubuntu), "
                "`brew install postgresql` (macOS), or set PG_BINDIR to its bin directory")


def find_bindir() -> Path:
    """The directory holding initdb/pg_ctl: $PG_BINDIR, `pg_config --bindir`, or Debian's layout."""
    candidates: list[str] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(os.environ["PG_BINDIR"])
    if shutil.which("pg_config"):
        try:
            out = subprocess.run(["pg_config", "--bindir"], capture_output=True, text=True, check=True)
            candidates.append(out.stdout.strip())
        except (subprocess.CalledProcessError, OSError):
            pass
    # Debian installs server binaries in a versioned directory; newest first.
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"),
                         key=lambda p: int(Path(p).parent.name) if Path(p).parent.name.isdigit() else 0,
                         reverse=True)
    if shutil.which("initdb"):
        candidates.append(str(Path(shutil.which("initdb")).parent))
    for c in candidates:
        if (Path(c) / "initdb").exists() and (Path(c) / "pg_ctl").exists():
            return Path(c)
    raise ToolkitError("PostgreSQL server binaries (initdb, pg_ctl) not found", hint=INSTALL_HINT)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LocalPostgres:
    """A private cluster on 127.0.0.1 with password auth over TCP (so auth failures are testable)."""

    def __init__(self, base_dir: str | os.PathLike | None = None, *, durable: bool = False,
                 port: int | None = None) -> None:
        self.base = Path(base_dir or tempfile.mkdtemp(prefix="migrate-action-pg-"))
        self.data = self.base / "data"
        self.sockdir = self.base / "sock"
        self.port = port or free_port()
        self.user = "postgres"
        self.password = secrets.token_hex(12)
        self.durable = durable  # fsync on: for benchmarks that must pay commit costs honestly
        self.bindir = find_bindir()
        self._run_as: list[str] = []
        if os.geteuid() == 0:
            os_user = os.environ.get("PGUSER_OS", "postgres")
            try:
                pw = pwd.getpwnam(os_user)
            except KeyError:
                raise ToolkitError(f"running as root and there is no '{os_user}' user to run PostgreSQL as",
                                   hint="create one (useradd postgres) or set PGUSER_OS") from None
            self._uid, self._gid = pw.pw_uid, pw.pw_gid
            self._run_as = ["runuser", "-u", os_user, "--"] if shutil.which("runuser") else ["su", os_user, "-c"]

    # -- lifecycle ---------------------------------------------------------------------------
    def _cmd(self, args: list[str], **kw) -> subprocess.CompletedProcess:
        if self._run_as and self._run_as[0] == "su":
            import shlex
            args = [*self._run_as, shlex.join(args)]
        else:
            args = [*self._run_as, *args]
        return subprocess.run(args, capture_output=True, text=True, **kw)

    def start(self) -> LocalPostgres:
        self.base.mkdir(parents=True, exist_ok=True)
        self.sockdir.mkdir(exist_ok=True)
        pwfile = self.base / "pwfile"
        pwfile.write_text(self.password + "\n")
        os.chmod(self.base, 0o755)
        if self._run_as:
            for p in (self.base, self.sockdir, pwfile):
                os.chown(p, self._uid, self._gid)
        pwfile.chmod(0o600)
        if not (self.data / "PG_VERSION").exists():
            r = self._cmd([str(self.bindir / "initdb"), "-D", str(self.data), "-U", self.user,
                           "--pwfile", str(pwfile), "--auth-local=trust", "--auth-host=scram-sha-256",
                           "-E", "UTF8", "--locale=C", "--no-sync"])
            if r.returncode != 0:
                raise ToolkitError(f"initdb failed: {r.stderr.strip().splitlines()[-1] if r.stderr else r.returncode}")
        pwfile.unlink()
        opts = [f"-c port={self.port}", "-c listen_addresses=127.0.0.1",
                f"-c unix_socket_directories={self.sockdir}", "-c max_connections=200",
                "-c shared_buffers=128MB", "-c max_wal_size=2GB", "-c max_locks_per_transaction=256"]
        if not self.durable:
            opts += ["-c fsync=off", "-c synchronous_commit=off", "-c full_page_writes=off"]
        r = self._cmd([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-l", str(self.base / "server.log"),
                       "-w", "-t", "60", "-o", " ".join(opts), "start"])
        if r.returncode != 0:
            log = (self.base / "server.log")
            tail = log.read_text().strip().splitlines()[-3:] if log.exists() else []
            raise ToolkitError(f"PostgreSQL did not start: {' | '.join(tail) or r.stderr.strip()}")
        return self

    def stop(self, *, remove: bool = True) -> None:
        if (self.data / "postmaster.pid").exists():
            self._cmd([str(self.bindir / "pg_ctl"), "-D", str(self.data), "-m", "immediate", "-w", "stop"])
        if remove:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> LocalPostgres:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # -- use ---------------------------------------------------------------------------------
    def url(self, dbname: str = "postgres", *, user: str | None = None, password: str | None = None) -> str:
        user = user or self.user
        pw = self.password if password is None else password
        return f"postgresql://{user}:{pw}@127.0.0.1:{self.port}/{dbname}"

    def admin_sql(self, sql: str, dbname: str = "postgres") -> None:
        import psycopg

        with psycopg.connect(self.url(dbname), autocommit=True) as conn:
            conn.execute(sql)

    def create_database(self, name: str) -> str:
        import psycopg
        from psycopg import sql
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0").format(sql.Identifier(name)))
        return self.url(name)

    def drop_database(self, name: str) -> None:
        import psycopg
        from psycopg import sql
        with psycopg.connect(self.url(), autocommit=True) as conn:
            conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
