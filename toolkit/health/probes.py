"""One measurement of one check: the only part of the health checks that does I/O.

A probe never raises for what the service does: it returns Successful, Failed (an answer, but the
wrong one) or Error (no answer at all: timeout, refused, DNS, TLS handshake).
"""

from __future__ import annotations

import re
import socket
import ssl
import urllib.error
import urllib.request
from urllib.parse import urlsplit, urlunsplit

import msgspec

from toolkit.health.policy import ERROR, FAILED, SUCCESSFUL, Phase, describe_codes

BODY_LIMIT = 64 * 1024  # bytes of the body read for the body match


class Outcome(msgspec.Struct, frozen=True):
    phase: Phase
    message: str
    status: int | None = None


def safe_url(url: str) -> str:
    """The URL without user:password@ and without the query string (tokens often live there)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        if parts.port:
            host = f"{host}:{parts.port}"
    except ValueError:  # "http://[::1" or a port that is not a number
        return "<invalid URL>"
    return urlunsplit((parts.scheme, host, parts.path, "", ""))


class HttpCheck(msgspec.Struct, frozen=True):
    url: str
    expected: frozenset[int] = frozenset(range(200, 300))
    body_match: str | None = None  # a regular expression searched in the first 64 KiB
    headers: tuple[tuple[str, str], ...] = msgspec.field(default=())

    @property
    def name(self) -> str:
        return safe_url(self.url)

    def probe(self, timeout_s: float) -> Outcome:
        request = urllib.request.Request(self.url, method="GET", headers={
            "User-Agent": "migrate-action-health-check", "Accept": "*/*", **dict(self.headers)})
        try:
            with urllib.request.urlopen(request, timeout=timeout_s) as resp:  # noqa: S310 (http(s) only, checked)
                status = resp.status
                body = resp.read(BODY_LIMIT) if self.body_match else b""
        except urllib.error.HTTPError as exc:  # an answer with a 4xx/5xx status
            status = exc.code
            try:
                body = exc.read(BODY_LIMIT) if self.body_match else b""
            except OSError:
                body = b""
        except urllib.error.URLError as exc:
            return Outcome(ERROR, _no_answer(exc.reason, timeout_s))
        except TimeoutError as exc:
            return Outcome(ERROR, _no_answer(exc, timeout_s))
        except (ConnectionError, OSError, ValueError) as exc:
            # ValueError/http.client errors: the server answered something that is not HTTP.
            return Outcome(ERROR, _no_answer(exc, timeout_s))
        except Exception as exc:  # http.client.HTTPException and friends: a broken answer
            return Outcome(ERROR, f"bad HTTP answer: {type(exc).__name__}: {exc}"[:200])
        if status not in self.expected:
            return Outcome(FAILED, f"HTTP {status}, expected {describe_codes(self.expected)}", status)
        if self.body_match:
            text = body.decode("utf-8", errors="replace")
            if not re.search(self.body_match, text):
                return Outcome(FAILED, f"HTTP {status} but the body does not match /{self.body_match}/", status)
        return Outcome(SUCCESSFUL, f"HTTP {status}", status)


def _no_answer(reason: object, timeout_s: float) -> str:
    if isinstance(reason, TimeoutError) or "timed out" in str(reason):
        return f"timed out after {timeout_s:g} s"
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, ConnectionResetError):
        return "connection reset"
    if isinstance(reason, socket.gaierror):
        return f"host not found ({reason.strerror or reason})"
    if isinstance(reason, ssl.SSLError):
        return f"TLS error: {getattr(reason, 'reason', None) or reason}"
    return str(reason)[:200] or type(reason).__name__


class SqlCheck(msgspec.Struct, frozen=True):
    """A query that must return a true first value (`SELECT 1`, `SELECT count(*) > 0 FROM users`)."""

    database_url: str
    query: str = "SELECT 1"
    name: str = "sql"

    def probe(self, timeout_s: float) -> Outcome:
        import psycopg

        from toolkit.db import describe, scrub

        ms = max(1, int(timeout_s * 1000))
        try:
            with psycopg.connect(self.database_url, autocommit=True, connect_timeout=max(1, round(timeout_s)),
                                 application_name="migrate-action-health-check",
                                 options=f"-c statement_timeout={ms}") as conn:
                row = conn.execute(self.query).fetchone()  # the operator's own query, from the config
        except psycopg.OperationalError as exc:
            text = scrub(str(exc).strip(), self.database_url).splitlines()
            detail = text[-1] if text else type(exc).__name__
            if "statement timeout" in detail:
                return Outcome(ERROR, f"query timed out after {timeout_s:g} s")
            return Outcome(ERROR, f"cannot connect to {describe(self.database_url)}: {detail}"[:200])
        except psycopg.Error as exc:
            detail = scrub(str(exc).strip(), self.database_url).splitlines()
            return Outcome(FAILED, f"query failed: {detail[0] if detail else type(exc).__name__}"[:200])
        if row is None:
            return Outcome(FAILED, "query returned no rows")
        if not row[0]:
            return Outcome(FAILED, f"query returned {row[0]!r}")
        return Outcome(SUCCESSFUL, f"query returned {row[0]!r}"[:200])
