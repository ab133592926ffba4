"""Database connections: clear errors for bad URLs and refused logins, passwords never printed."""

from __future__ import annotations

import re
from urllib.parse import urlsplit, urlunsplit

import psycopg

from toolkit.errors import ToolkitError, UsageError

_KV_PASSWORD = re.compile(r"(password\s*=\s*)('(?:[^'\\]|\\.)*'|\S+)", re.IGNORECASE)


def redact(url: str) -> str:
    """The URL with its password replaced by ***, for logs and errors."""
    if "://" in url:
        try:
            parts = urlsplit(url)
        except ValueError:
            return "<unparseable database URL>"
        if parts.password is not None:
            netloc = parts.netloc.rsplit("@", 1)
            userinfo = netloc[0].split(":", 1)[0] + ":***"
            return urlunsplit(parts._replace(netloc=userinfo + "@" + netloc[1]))
        return url
    return _KV_PASSWORD.sub(r"\1***", url)


def _password_of(url: str) -> str | None:
    try:
        return psycopg.conninfo.conninfo_to_dict(url).get("password")
    except psycopg.Error:
        return None


def scrub(text: str, url: str) -> str:
    """Remove any trace of the URL's password from a message."""
    password = _password_of(url)
    if password:
        text = text.replace(password, "***")
    return text


def describe(url: str) -> str:
    """host:port/dbname for messages, without credentials."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.Error:
        return redact(url)
    host = info.get("host") or "localhost"
    port = info.get("port") or "5432"
    return f"{host}:{port}/{info.get('dbname') or info.get('user') or ''}"


def connect(url: str, *, autocommit: bool = True, application_name: str = "migrate-action",
            connect_timeout: int = 10) -> psycopg.Connection:
    """Connect, or raise a one-line ToolkitError that names the server but not the password."""
    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except psycopg.ProgrammingError as exc:
        raise UsageError(f"invalid database URL {redact(url)}: {scrub(str(exc), url)}") from None
    try:
        conn = psycopg.connect(url, autocommit=autocommit, application_name=application_name,
                               connect_timeout=connect_timeout)
    except psycopg.OperationalError as exc:
        msg = scrub(str(exc).strip(), url)
        # psycopg joins one line per address tried; the last is the most specific.
        lines = [re.sub(r"^connection failed:\s*", "", ln.strip()) for ln in msg.splitlines() if ln.strip()]
        # "connection to server at ... failed: <reason>" is what matters; drop the address prefix we show.
        detail = "; ".join(lines[-2:]) if len(lines) > 1 else (lines[0] if lines else msg)
        detail = re.sub(r'^connection to server at "[^"]*", port \d+ failed:\s*', "", detail)
        detail = re.sub(r"\s+", " ", detail)
        raise ToolkitError(f"cannot connect to {describe(url)}: {detail}") from None
    # If this process dies mid-statement (a cancelled CI job, SIGKILL), the server notices within a
    # second and rolls back, instead of holding the statement's locks until it would have finished.
    if conn.info.server_version >= 140000:
        try:
            conn.execute("SET client_connection_check_interval = '1s'")
        except psycopg.Error:
            pass
        if not conn.autocommit:
            conn.rollback()  # SET persists for the session; do not leave a transaction open
    return conn
