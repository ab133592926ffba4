"""verify-rollbacks on the session cluster: seeded rollback bugs are found with the readable catalog
line that names them, the correct rollbacks next to them prove, and an interrupted
statement-by-statement migration converges on its re-run only when it is idempotent."""

from __future__ import annotations

import json

import pytest

from tests.fixtures.pg import REPO
from toolkit.app.verify_rollbacks import VerifySettings, rollback_info, verify_rollbacks

# (case, up, correct rollback, buggy rollback, the catalog line the bug must produce)
SEEDED = [
    ("index",
     "CREATE INDEX accounts_email_idx ON accounts (email);",
     "DROP INDEX accounts_email_idx;",
     "DROP INDEX IF EXISTS accounts_mail_idx;",  # wrong name: the index stays
     "index public.accounts_email_idx: added"),
    ("column_type",
     "BEGIN;\nALTER TABLE accounts ALTER COLUMN email TYPE varchar(200);\nCOMMIT;",
     "BEGIN;\nALTER TABLE accounts ALTER COLUMN email TYPE varchar(100);\nCOMMIT;",
     "BEGIN;\nALTER TABLE accounts ALTER COLUMN email TYPE text;\nCOMMIT;",
     "column public.accounts.email: type character varying(100) -> text"),
    ("default",
     "ALTER TABLE accounts ALTER COLUMN status SET DEFAULT 'active';",
     "ALTER TABLE accounts ALTER COLUMN status SET DEFAULT 'new';",
     "ALTER TABLE accounts ALTER COLUMN status DROP DEFAULT;",
     "column public.accounts.status: default 'new'::text -> none"),
    ("constraint",
     "ALTER TABLE accounts ADD CONSTRAINT accounts_balance_positive CHECK (balance >= 0);",
     "ALTER TABLE accounts DROP CONSTRAINT accounts_balance_positive;",
     "ALTER TABLE accounts DROP CONSTRAINT IF EXISTS accounts_balance_check;",
     "constraint public.accounts.accounts_balance_positive: added"),
]


def _prove(folder, pg, **kw):
    return verify_rollbacks(VerifySettings(folder, scratch_url=pg.url(), **kw))


@pytest.mark.parametrize("case,up,good,bad,line", SEEDED, ids=[c[0] for c in SEEDED])
def test_seeded_rollback_bug_is_found_and_the_correct_rollback_proves(pg, write_migrations, case, up, good, bad,
                                                                      line):
    folder = write_migrations([(f"{case}_ok", up, good)])
    ok = _prove(folder, pg)
    assert ok.ok and [m.status for m in ok.migrations] == ["proved", "proved"]

    for p in folder.iterdir():
        p.unlink()
    folder = write_migrations([(f"{case}_bug", up, bad)])
    result = _prove(folder, pg)
    assert not result.ok
    m = result.migrations[-1]
    assert m.status == "failed" and m.proved is False
    # Exactly the seeded bug, as one readable line, and nothing else.
    assert len(m.rollback_differences) == 1 and m.rollback_differences[0].startswith(line), m
    assert m.phase == "round-trip"


def test_rollback_that_errors_is_reported_with_postgres_words(pg, write_migrations):
    folder = write_migrations([("add_col", "ALTER TABLE accounts ADD COLUMN note text;",
                                "ALTER TABLE accounts DROP COLUMN notes;")])
    m = _prove(folder, pg).migrations[-1]
    assert m.status == "failed" and m.phase == "rollback"
    assert 'column "notes" of relation "accounts" does not exist' in m.error


def test_failed_migration_stops_the_run_and_later_ones_are_not_reached(pg, write_migrations):
    folder = write_migrations([
        ("idx", "CREATE INDEX accounts_email_idx ON accounts (email);", "SELECT 1;"),  # leaves the index
        ("later", "ALTER TABLE accounts ADD COLUMN note text;", "ALTER TABLE accounts DROP COLUMN note;"),
    ])
    result = _prove(folder, pg)
    idx, later = result.migrations[1:]
    assert idx.status == "failed" and "already exists" in idx.error
    assert [d.split(" (")[0] for d in idx.rollback_differences] == ["index public.accounts_email_idx: added"]
    assert later.status == "not-reached" and later.safety.name == "expand-only"


NON_TX = ("CREATE INDEX CONCURRENTLY {ine}accounts_email_idx ON accounts (email);\n"
          "CREATE INDEX CONCURRENTLY {ine}accounts_status_idx ON accounts (status);\n")
NON_TX_DOWN = ("DROP INDEX CONCURRENTLY IF EXISTS accounts_status_idx;\n"
               "DROP INDEX CONCURRENTLY IF EXISTS accounts_email_idx;\n")


def test_interrupted_non_transactional_migration_converges_when_idempotent(pg, write_migrations):
    folder = write_migrations([("two_indexes", NON_TX.format(ine="IF NOT EXISTS "), NON_TX_DOWN)])
    m = _prove(folder, pg).migrations[-1]
    assert m.status == "proved" and not m.transactional
    assert [(i.after_statement, i.converged) for i in m.interruptions] == [(1, True)]


def test_interrupted_non_transactional_migration_that_cannot_rerun_is_found(pg, write_migrations):
    folder = write_migrations([("two_indexes", NON_TX.format(ine=""), NON_TX_DOWN)])
    result = _prove(folder, pg)
    m = result.migrations[-1]
    assert m.status == "failed" and m.phase == "interrupted re-run"
    (stop,) = m.interruptions
    assert stop.after_statement == 1 and not stop.converged
    assert 'relation "accounts_email_idx" already exists' in stop.error
    # Without the interruption check the same migration proves: the check is what finds it.
    assert _prove(folder, pg, interrupt=False).ok


def test_missing_rollback_is_not_a_failure_but_is_not_proved(pg, write_migrations):
    folder = write_migrations([("no_down", "ALTER TABLE accounts ADD COLUMN note text;", None)])
    result = _prove(folder, pg)
    m = result.migrations[-1]
    assert result.ok and m.status == "no-rollback" and m.proved is None
    info = rollback_info(result.migrations)
    assert info[m.name] == {"proved": None, "rollback": "static only", "safety_class": "forward-only"}
    assert info[result.migrations[0].name]["rollback"] == "proved"


def test_start_at_applies_earlier_migrations_without_proving_them(pg, write_migrations):
    folder = write_migrations([("bug", "CREATE INDEX accounts_email_idx ON accounts (email);", "SELECT 1;"),
                               ("ok", "ALTER TABLE accounts ADD COLUMN note text;",
                                "ALTER TABLE accounts DROP COLUMN note;")])
    names = sorted(p.stem for p in folder.glob("*.sql") if not p.stem.endswith("_rollback"))
    result = _prove(folder, pg, start_at=names[2])
    assert [m.status for m in result.migrations] == ["applied-only", "applied-only", "proved"]


def test_example_migrations_all_prove_with_their_safety_classes(pg):
    result = _prove(REPO / "migrations", pg)
    assert result.ok, result.to_dict()
    assert {m.status for m in result.migrations} == {"proved"}
    classes = {m.name.split("_", 2)[2]: m.safety.name for m in result.migrations}
    assert classes == {
        "create_users": "expand-only", "add_user_preferences": "expand-only", "add_users_status": "expand-only",
        "backfill_users_status": "reversible", "check_users_status": "reversible",
        "users_status_not_null": "reversible", "widen_users_nickname": "reversible",
        "index_users_email": "reversible"}


def test_cli_exit_codes_and_json(pg, write_migrations, run_cli):
    folder = write_migrations([("bug", "ALTER TABLE accounts ALTER COLUMN status SET DEFAULT 'x';",
                                "ALTER TABLE accounts ALTER COLUMN status DROP DEFAULT;")])
    r = run_cli("verify-rollbacks", "--dir", str(folder), "--scratch-url", pg.url(), "--format", "json")
    assert r.returncode == 1, r.stderr
    data = json.loads(r.stdout)
    assert data["ok"] is False
    assert data["migrations"][-1]["rollback_differences"] == ["column public.accounts.status: default 'new'::text -> none"]

    r = run_cli("verify-rollbacks", "--dir", str(folder), "--scratch-url", pg.url())
    assert r.returncode == 1
    assert "column public.accounts.status: default 'new'::text -> none" in r.stdout

    r = run_cli("verify-rollbacks", "--dir", str(REPO / "migrations"), "--scratch-url", pg.url(), "--format",
                "markdown")
    assert r.returncode == 0, r.stdout + r.stderr
    assert r.stdout.count("| proved |") == 8

    r = run_cli("verify-rollbacks", "--dir", str(folder), "--scratch-url", pg.url(), "--start-at", "nope")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[0] == f"error: --start-at nope: no such migration in {folder}"


def test_scratch_databases_are_dropped(pg, write_migrations):
    import psycopg

    folder = write_migrations([])
    _prove(folder, pg)
    with psycopg.connect(pg.url()) as conn:
        left = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE 'migrate_action_scratch_%'"
                            ).fetchall()
    assert left == []
