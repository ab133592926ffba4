"""Bad-input tests: each runs the real CLI against a real database and asserts one error line,
a non-zero exit and an unchanged database."""

from __future__ import annotations

import psycopg


def one_error(r, *needles: str) -> str:
    """Non-zero exit, exactly one `error:` line on stderr (plus an optional hint), no traceback."""
    lines = r.stderr.strip().splitlines()
    assert r.returncode != 0, r.stdout + r.stderr
    assert "Traceback" not in r.stderr, r.stderr
    assert lines and lines[0].startswith("error: "), r.stderr
    assert len(lines) == 1 or (len(lines) == 2 and lines[1].startswith("  hint: ")), r.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


def catalog(db: psycopg.Connection) -> list[tuple]:
    """The user tables and their row counts: what a refused command must leave alone."""
    tables = [r[0] for r in db.execute(
        "SELECT format('%I.%I', schemaname, tablename) FROM pg_tables "
        "WHERE schemaname NOT IN ('pg_catalog', 'information_schema') ORDER BY 1")]
    return [(t, db.execute(f"SELECT count(*) FROM {t}").fetchone()[0]) for t in tables]  # noqa: S608 (names from pg_tables)
