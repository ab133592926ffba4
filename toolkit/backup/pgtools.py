"""pg_dump, pg_restore and psql: finding a version that can talk to the server, and running them
without ever putting the password on a command line (it goes in PGPASSWORD, out of `ps`)."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from pathlib import Path

import psycopg

from toolkit.errors import ToolkitError

CLIENT_HINT = ("install the PostgreSQL client tools of the server's major version or newer "
               "(`apt-get install postgresql-client-16`), or set PG_BINDIR")


def _major(version_text: str) -> int:
    """12 from `pg_dump (PostgreSQL) 12.3 (Debian ...)`."""
    m = re.search(r"\(PostgreSQL\)\s+(\d+)", version_text)
    return int(m.group(1)) if m else 0


def tool_version(path: Path) -> str:
    out = subprocess.run([str(path), "--version"], capture_output=True, text=True, check=False)
    return out.stdout.strip()


def find_tool(name: str, server_major: int | None = None) -> Path:
    """The newest `name` among $PG_BINDIR, Debian's versioned dirs and PATH; at least server_major."""
    candidates: list[Path] = []
    if os.environ.get("PG_BINDIR"):
        candidates.append(Path(os.environ["PG_BINDIR"]) / name)
    candidates += [Path(p) / name for p in glob.glob("/usr/lib/postgresql/*/bin")]
    on_path = shutil.which(name)
    if on_path:
        candidates.append(Path(on_path))
    found: list[tuple[int, Path]] = []
    for c in candidates:
        if c.is_file() and os.access(c, os.X_OK):
            found.append((_major(tool_version(c)), c))
    if not found:
        raise ToolkitError(f"{name} not found", hint=CLIENT_HINT)
    if os.environ.get("PG_BINDIR") and found[0][1].parent == Path(os.environ["PG_BINDIR"]):
        best = found[0]  # an explicit choice wins
    else:
        best = max(found, key=lambda t: t[0])
    if server_major and best[0] < server_major:
        raise ToolkitError(f"{name} {best[0]} cannot handle a PostgreSQL {server_major} server",
                           hint=CLIENT_HINT)
    return best[1]


def conninfo_and_env(url: str) -> tuple[str, dict[str, str]]:
    """A conninfo string without the password, and an environment that carries it."""
    info = psycopg.conninfo.conninfo_to_dict(url)
    env = dict(os.environ)
    password = info.pop("password", None)
    if password is not None:
        env["PGPASSWORD"] = str(password)
    info.setdefault("application_name", "migrate-action")
    return psycopg.conninfo.make_conninfo(**{k: str(v) for k, v in info.items()}), env


def last_error_line(stderr: str) -> str:
    """The most useful line of a client tool's stderr (its last `error:` line, else the last line)."""
    lines = [ln.strip() for ln in stderr.splitlines() if ln.strip()]
    errors = [ln for ln in lines if "error" in ln.lower() or "fatal" in ln.lower()]
    line = (errors or lines or ["(no message)"])[-1]
    return re.sub(r"^(pg_dump|pg_restore|psql):\s*", "", line)
