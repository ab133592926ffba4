"""Database connections: clear errors for bad URLs and refused logins, passwords never printed."""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, quote, unquote, urlsplit, urlunsplit

import psycopg

from toolkit.errors import ToolkitError, UsageError

UNPARSEABLE = "<unparseable URL>"
MIN_SECRET = 3  # characters
_SECRET_KEYS = ("password", "sslpassword")
_KV_SECRET = re.compile(r"\b((?:ssl)?password\s*=\s*)('(?:[^'\\]|\\.)*'?|\S*)", re.IGNORECASE)
_URI = re.compile(r"^\s*postgres(?:ql)?://", re.IGNORECASE)
# libpq quotes syntax characters in its parse errors ("]", "=", ...): those may stay, anything else
# quoted is a piece of the conninfo.
_SYNTAX_TOKENS = {"]", "=", ":", "/", "@", "?", "&", "'"}


def _password_forms(raw: str) -> set[str]:
    """A password as typed, percent-decoded, and percent-encoded (how it may show up anywhere)."""
    if not raw:
        return set()
    decoded = unquote(raw)
    forms = {raw, decoded, quote(decoded, safe=""), quote(raw, safe=""), quote(decoded, safe="").lower()}
    if len(raw) >= 2 and raw[0] == raw[-1] == "'":  # key='quoted value' of a conninfo string
        inner = raw[1:-1]
        forms |= {inner, re.sub(r"\\(.)", r"\1", inner)}
    # Shorter strings would blank out letters all over a message (or GitHub's log): not a real password.
    return {f for f in forms if len(f) >= MIN_SECRET}


def secrets_of(url: str) -> set[str]:
    """Every string that is, or could be, a password of this URL or conninfo string, even a malformed one.

    Found by lenient text rules as well as by libpq's parser, so a URL that does not parse still has
    its password recognised (and removed from messages, and masked in GitHub's logs)."""
    found: set[str] = set()
    if not url:
        return found
    if _URI.match(url):
        rest = _URI.sub("", url, count=1)
        authority = re.split(r"[/?#]", rest, maxsplit=1)[0]
        # libpq ends the credentials at the first "@"; a password with a bare "@" is cut there, so
        # also take everything up to the last "@" of the authority.
        for userinfo in {authority.split("@", 1)[0] if "@" in authority else "",
                         authority.rsplit("@", 1)[0] if "@" in authority else ""}:
            if ":" in userinfo:
                password = userinfo.split(":", 1)[1]
                found |= _password_forms(password)
                for piece in password.split("@")[1:]:  # libpq takes these for the host: shown in its errors
                    found |= _password_forms(piece)
        query = rest.split("?", 1)[1] if "?" in rest else ""
        for pair in re.split(r"[&;]", query.split("#", 1)[0]):
            key, _, value = pair.partition("=")
            if unquote(key).strip().lower() in _SECRET_KEYS:
                found |= _password_forms(value)
    else:
        for m in _KV_SECRET.finditer(url):
            found |= _password_forms(m.group(2))
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except Exception:  # noqa: BLE001 (malformed: the lenient rules above are all there is)
        info = {}
    for key in _SECRET_KEYS:
        if info.get(key):
            found |= _password_forms(str(info[key]))
    return found


def _parses(url: str) -> bool:
    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except Exception:  # noqa: BLE001
        return False
    return True


def redact(url: str) -> str:
    """The URL (or conninfo string) with every password replaced by ***, for logs and errors.

    A URL that libpq cannot parse is never shown at all: UNPARSEABLE stands for it."""
    if not _parses(url):
        return UNPARSEABLE
    if _URI.match(url):
        try:
            parts = urlsplit(url)
            netloc = parts.netloc
            if "@" in netloc:
                userinfo, host = netloc.rsplit("@", 1)
                if ":" in userinfo:
                    netloc = userinfo.split(":", 1)[0] + ":***@" + host
            query = parts.query
            if query:
                pairs = parse_qsl(query, keep_blank_values=True)
                if any(k.lower() in _SECRET_KEYS for k, _ in pairs):
                    query = "&".join(f"{quote(k)}={'***' if k.lower() in _SECRET_KEYS else quote(v)}"
                                     for k, v in pairs)
            out = urlunsplit(parts._replace(netloc=netloc, query=query))
        except ValueError:
            return UNPARSEABLE
    else:
        out = _KV_SECRET.sub(r"\1***", url)
    return scrub(out, url)


def scrub(text: str, url: str) -> str:
    """Remove every form of the URL's password from a message (longest first)."""
    for secret in sorted(secrets_of(url), key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def parse_problem(message: str, url: str) -> str:
    """What libpq found wrong with a conninfo, without any piece of it.

    libpq ends most messages with `: "<the URI or the bad token>"` and quotes option names and values
    inside; all of that goes, only its words and quoted syntax characters stay."""
    text = (message.strip().splitlines() or ["not a valid database URL"])[0]
    cut = text.find(': "')
    if cut > 0:
        text = text[:cut]
    text = re.sub(r'"([^"]*)"', lambda m: m.group(0) if m.group(1) in _SYNTAX_TOKENS else "", text)
    text = re.sub(r"\s+", " ", text).strip(" :") or "not a valid database URL"
    return scrub(text, url)


def describe(url: str) -> str:
    """host:port/dbname for messages, without credentials."""
    try:
        info = psycopg.conninfo.conninfo_to_dict(url)
    except Exception:  # noqa: BLE001
        return UNPARSEABLE
    host = info.get("host") or "localhost"
    port = info.get("port") or "5432"
    return scrub(f"{host}:{port}/{info.get('dbname') or info.get('user') or ''}", url)


def check_url(url: str) -> None:
    """Raise a one-line UsageError, naming what is wrong but showing none of the URL, if it does not parse."""
    try:
        psycopg.conninfo.conninfo_to_dict(url)
    except Exception as exc:  # noqa: BLE001 (ProgrammingError, or a ValueError on a NUL byte)
        raise UsageError(f"invalid database URL {UNPARSEABLE}: {parse_problem(str(exc), url)}") from None


def connect(url: str, *, autocommit: bool = True, application_name: str = "migrate-action",
            connect_timeout: int = 10) -> psycopg.Connection:
    """Connect, or raise a one-line ToolkitError that names the server but not the password."""
    check_url(url)
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
