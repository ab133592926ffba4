"""The migration and backup use cases called directly (no CLI), on the real PostgreSQL and the local
S3 server: each typed result carries what the adapters print, confirmation and progress arrive as
callbacks, and a refusal (bad input, an unconfirmed protected environment) changes nothing."""

from __future__ import annotations

from pathlib import Path

import psycopg
import pytest
from msgspec.structs import replace

from tests.migrations.helpers import rows, table_exists, write
from toolkit.app.backup import (
    ListBackupsSettings,
    RestoreSettings,
    TakeBackupSettings,
    VerifyBackupSettings,
    backup,
    backup_targets,
    list_backups,
    restore,
    verify_backup,
)
from toolkit.app.create import CreateSettings, create
from toolkit.app.mark import MarkSettings, mark
from toolkit.app.migrate import MigrateSettings, migrate
from toolkit.app.rebaseline import RebaselineSettings, rebaseline
from toolkit.app.rollback import RollbackSettings, rollback
from toolkit.app.status import StatusSettings, status
from toolkit.config import Config, load_config
from toolkit.errors import ToolkitError, UsageError

A = "20240101_000000_create_users"
B = "20240102_000000_index_users_email"
C = "20240103_000000_add_orders"
USERS = "BEGIN;\nCREATE TABLE users (id int, email text);\nINSERT INTO users VALUES (1, 'a@x'), (2, 'a@x');\nCOMMIT;\n"
INDEX = ("CREATE TABLE IF NOT EXISTS audit (id int);\n"
         "CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS users_email ON users (email);\n")
ORDERS = "BEGIN;\nCREATE TABLE orders (id serial PRIMARY KEY, user_id int);\nINSERT INTO orders (user_id) VALUES (1);\nCOMMIT;\n"


class Recorder:
    """Collects the callbacks' calls in order (confirm, progress, plan) to assert what happened when."""

    def __init__(self, *, refuse: bool = False) -> None:
        self.calls: list[tuple[str, str]] = []
        self.refuse = refuse

    def confirm(self, env_name: str, what: str) -> None:
        self.calls.append(("confirm", f"{env_name}: {what}"))
        if self.refuse:
            raise ToolkitError("confirmation did not match: nothing was changed")

    def progress(self, line: str) -> None:
        self.calls.append(("progress", line))

    def warn(self, line: str) -> None:
        self.calls.append(("warn", line))

    def on_plan(self, planned) -> None:
        self.calls.append(("plan", ",".join(p.name for p in planned)))

    def kinds(self) -> list[str]:
        return [k for k, _ in self.calls]


@pytest.fixture
def cfg(mdir: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    for var in ("DATABASE_URL", "DATABASE_URL_DEV", "DATABASE_URL_PRODUCTION", "MIGRATIONS_DIR"):
        monkeypatch.delenv(var, raising=False)
    return load_config(migrations_dir=str(mdir))


# -- create, status --------------------------------------------------------------------------------

def test_create_returns_the_two_files_and_refuses_a_bad_name(cfg, mdir):
    made = create(CreateSettings(config=cfg, name="add_user_preferences"))
    assert made.up.parent == mdir and made.up.name.endswith("_add_user_preferences.sql")
    assert made.down.name == made.up.name[:-4] + "_rollback.sql"
    assert made.up.is_file() and made.down.is_file()
    with pytest.raises(UsageError, match="invalid migration name"):
        create(CreateSettings(config=cfg, name="Bad Name"))
    assert sorted(p.name for p in mdir.iterdir()) == sorted([made.up.name, made.down.name])


def test_status_carries_states_counts_and_hints(cfg, mdir, db_url, db):
    write(mdir, A, USERS, "BEGIN;\nDROP TABLE users;\nCOMMIT;\n")
    write(mdir, B, INDEX)
    with pytest.raises(ToolkitError, match="could not create unique index"):
        migrate(MigrateSettings(config=cfg, env_name="dev", database_url=db_url), progress=lambda _: None)
    write(mdir, C, ORDERS)

    result = status(StatusSettings(config=cfg, env_name="dev", database_url=db_url))
    assert result.environment == "dev" and result.migrations_dir == mdir
    assert [(s.name, s.state) for s in result.states] == [(A, "applied"), (B, "failed"), (C, "pending")]
    assert result.counts() == {"applied": 1, "pending": 1, "failed": 1}
    assert [(n, st) for n, st, _ in result.hints] == [(B, "failed")]
    assert f"mark --name {B} --env dev --as pending" in result.hints[0][2]
    assert result.states[0].has_rollback and not result.states[1].has_rollback

    with pytest.raises(UsageError, match="no database URL for environment 'dev'"):
        status(StatusSettings(config=cfg, env_name="dev"))
    with pytest.raises(UsageError, match="unknown environment 'nowhere'"):
        status(StatusSettings(config=cfg, env_name="nowhere", database_url=db_url))


# -- migrate ---------------------------------------------------------------------------------------

def test_migrate_applies_in_order_and_reports_what_it_applied(cfg, mdir, db_url, db, monkeypatch):
    write(mdir, A, USERS)
    write(mdir, C, ORDERS)
    monkeypatch.setenv("DATABASE_URL_DEV", db_url)  # resolved by the environment, no override
    rec = Recorder()
    result = migrate(MigrateSettings(config=cfg, env_name="dev"), confirm=rec.confirm, progress=rec.progress)
    assert [a.name for a in result.applied] == [A, C] and not result.dry_run and result.seconds > 0
    assert "confirm" not in rec.kinds()  # dev does not ask
    assert any(f"{C} applied in" in line for k, line in rec.calls if k == "progress")
    doc = result.as_json()
    assert doc["applied"] == [A, C] and doc["environment"] == "dev"
    assert [m["name"] for m in doc["migrations"]] == [A, C] and doc["migrations"][0]["transactional"] is True
    assert set(rows(db)) == {A, C}

    again = migrate(MigrateSettings(config=cfg, env_name="dev"), progress=lambda _: None)
    assert again.applied == () and again.as_json()["applied"] == []


def test_migrate_refuses_bad_options_and_an_unconfirmed_production_before_writing(cfg, mdir, db_url, db):
    write(mdir, A, USERS)
    with pytest.raises(UsageError, match="--execute only goes with --dry-run"):
        migrate(MigrateSettings(config=cfg, env_name="dev", database_url=db_url, execute=True))
    with pytest.raises(UsageError, match="needs --reason"):
        migrate(MigrateSettings(config=cfg, env_name="production", database_url=db_url, skip_backup_check=True,
                                reason="  "))
    prod = MigrateSettings(config=cfg, env_name="production", database_url=db_url, skip_backup_check=True,
                           reason="restored from a snapshot by hand")
    with pytest.raises(ToolkitError, match="without confirmation") as refused:  # the default confirm refuses
        migrate(prod, progress=lambda _: None, warn=lambda _: None)
    assert refused.value.exit_code == 2
    assert not table_exists(db, "users") and rows(db) == {}

    rec = Recorder()
    result = migrate(prod, confirm=rec.confirm, progress=rec.progress, warn=rec.warn)
    assert [a.name for a in result.applied] == [A]
    assert ("warn", "backup check skipped on 'production': restored from a snapshot by hand") in rec.calls
    assert ("confirm", "production: apply 1 migration(s)") in rec.calls
    assert rows(db)[A][3] == "backup check skipped: restored from a snapshot by hand"


def test_migrate_on_production_needs_a_verified_backup(bcfg, mdir, db_url, db):
    write(mdir, A, USERS)
    with pytest.raises(ToolkitError, match="no backup of production database"):
        migrate(MigrateSettings(config=bcfg, env_name="production", database_url=db_url),
                confirm=Recorder().confirm, progress=lambda _: None)
    assert rows(db) == {}


def test_dry_run_shows_the_plan_first_and_changes_nothing(cfg, mdir, db_url, db):
    write(mdir, A, USERS)
    write(mdir, B, INDEX)
    rec = Recorder()
    result = migrate(MigrateSettings(config=cfg, env_name="production", database_url=db_url, dry_run=True),
                     confirm=rec.confirm, progress=rec.progress, on_plan=rec.on_plan)
    assert result.dry_run and result.trial is None and result.applied == ()
    assert rec.calls == [("plan", f"{A},{B}")]  # listing only: no confirmation even on production
    first, second = result.planned
    assert first.transactional and first.mode == "in one transaction"
    assert [s.line for s in first.statements] == [2, 3] and first.statements[0].text.startswith("CREATE TABLE users")
    assert not second.transactional and len(second.statements) == 2
    assert result.as_json() == [p.as_json() for p in result.planned]
    assert result.as_json()[1] == {"name": B, "transactional": False, "statements": 2, "file": str(mdir / f"{B}.sql")}
    assert not table_exists(db, "users") and not table_exists(db, "schema_migrations")


def test_trial_proves_what_it_can_returns_failures_and_keeps_nothing(cfg, mdir, db_url, db):
    write(mdir, A, USERS)
    write(mdir, C, ORDERS)
    migrate(MigrateSettings(config=cfg, env_name="dev", database_url=db_url), progress=lambda _: None)
    D = "20240105_000000_more_orders"
    write(mdir, B.replace("20240102", "20240104"), INDEX)  # outside a transaction: cannot be tried
    write(mdir, D, "BEGIN;\nINSERT INTO orders (user_id) VALUES (2);\nCREATE TABLE refunds (id int);\nCOMMIT;\n")
    write(mdir, "20240106_000000_broken", "BEGIN;\nALTER TABLE no_such_table ADD COLUMN x int;\nCOMMIT;\n")
    rec = Recorder()
    settings = MigrateSettings(config=cfg, env_name="production", database_url=db_url, dry_run=True, execute=True)
    result = migrate(settings, confirm=rec.confirm, progress=rec.progress, on_plan=rec.on_plan)
    assert rec.kinds()[:2] == ["plan", "confirm"]  # the plan is shown before the confirmation
    assert rec.calls[1] == ("confirm", "production: try the migrations in a rolled-back transaction "
                                       "(it takes real locks)")
    trial = result.trial
    assert trial is not None
    assert trial.tried == ((D, 2),)
    assert [n for n, _ in trial.not_tried] == [B.replace("20240102", "20240104")]
    assert "outside a transaction" in trial.not_tried[0][1]
    assert [n for n, _ in trial.failed] == ["20240106_000000_broken"]
    assert trial.error() is not None and trial.error().startswith("trial run: ") and "no_such_table" in trial.error()
    seq = {s.sequence: s for s in trial.sequences}
    assert (seq["public.orders_id_seq"].before, seq["public.orders_id_seq"].after) == (1, 2)
    assert "SELECT setval('public.orders_id_seq', 1, true)" in seq["public.orders_id_seq"].note()
    doc = result.as_json()
    assert [p["name"] for p in doc["plan"]] == [p.name for p in result.planned] and len(doc["plan"]) == 3
    assert doc["trial"]["failed"][0]["name"] == "20240106_000000_broken"
    assert not table_exists(db, "refunds") and set(rows(db)) == {A, C}
    assert db.execute("SELECT count(*) FROM orders").fetchone()[0] == 1

    refused = Recorder(refuse=True)
    with pytest.raises(ToolkitError, match="confirmation did not match"):
        migrate(settings, confirm=refused.confirm, progress=refused.progress, on_plan=refused.on_plan)
    assert refused.kinds() == ["plan", "confirm"]  # nothing tried after the refusal


# -- rollback, mark, rebaseline --------------------------------------------------------------------

def _applied(cfg: Config, mdir: Path, db_url: str) -> None:
    write(mdir, A, USERS, "BEGIN;\nDROP TABLE users;\nCOMMIT;\n")
    write(mdir, C, ORDERS, "BEGIN;\nDROP TABLE orders;\nCOMMIT;\n")
    migrate(MigrateSettings(config=cfg, env_name="dev", database_url=db_url), progress=lambda _: None)


def test_rollback_cascade_returns_what_it_undid_newest_first(cfg, mdir, db_url, db):
    _applied(cfg, mdir, db_url)
    with pytest.raises(ToolkitError, match="later migrations are still applied"):
        rollback(RollbackSettings(config=cfg, env_name="dev", database_url=db_url, name=A))
    rec = Recorder(refuse=True)
    with pytest.raises(ToolkitError, match="confirmation did not match"):
        rollback(RollbackSettings(config=cfg, env_name="production", database_url=db_url, name=A, cascade=True),
                 confirm=rec.confirm, progress=rec.progress)
    assert rec.calls == [("confirm", "production: roll back 2 migration(s)")]
    assert set(rows(db)) == {A, C} and table_exists(db, "orders")

    result = rollback(RollbackSettings(config=cfg, env_name="dev", database_url=db_url, name=f"{A}.sql",
                                       cascade=True), progress=lambda _: None)
    assert result.rolled_back == (C, A) and result.skipped == () and result.environment == "dev"
    assert rows(db) == {} and not table_exists(db, "users")


def test_rollback_skip_irreversible_reports_the_skipped(cfg, mdir, db_url, db):
    write(mdir, A, USERS, "-- irreversible\n")
    migrate(MigrateSettings(config=cfg, env_name="dev", database_url=db_url), progress=lambda _: None)
    with pytest.raises(ToolkitError, match="irreversible"):
        rollback(RollbackSettings(config=cfg, env_name="dev", database_url=db_url, name=A))
    result = rollback(RollbackSettings(config=cfg, env_name="dev", database_url=db_url, name=A,
                                       skip_irreversible=True), progress=lambda _: None)
    assert result.rolled_back == () and result.skipped == (A,)
    assert rows(db) == {} and table_exists(db, "users")


def test_mark_resolves_a_failed_migration_under_the_lock(cfg, mdir, db_url, db):
    write(mdir, A, USERS)
    write(mdir, B, INDEX)
    with pytest.raises(ToolkitError):
        migrate(MigrateSettings(config=cfg, env_name="dev", database_url=db_url), progress=lambda _: None)
    assert rows(db)[B][0] == "failed"
    with pytest.raises(ToolkitError, match="only a failed migration can be marked pending"):
        mark(MarkSettings(config=cfg, env_name="dev", database_url=db_url, name=A, as_state="pending"))
    with pytest.raises(ToolkitError, match="no migration named 20990101_000000_nope"):
        mark(MarkSettings(config=cfg, env_name="dev", database_url=db_url, name="20990101_000000_nope",
                          as_state="applied"))
    rec = Recorder(refuse=True)
    with pytest.raises(ToolkitError, match="confirmation did not match"):
        mark(MarkSettings(config=cfg, env_name="production", database_url=db_url, name=B, as_state="applied"),
             confirm=rec.confirm)
    assert rec.calls == [("confirm", f"production: mark {B} as applied")] and rows(db)[B][0] == "failed"

    result = mark(MarkSettings(config=cfg, env_name="dev", database_url=db_url, name=f"{B}.sql",
                               as_state="applied"), progress=lambda _: None)
    assert (result.name, result.as_state, result.was, result.environment) == (B, "applied", "failed", "dev")
    assert rows(db)[B][0] == "applied"
    states = status(StatusSettings(config=cfg, env_name="dev", database_url=db_url)).counts()
    assert states == {"applied": 2}


def test_mark_pending_forgets_the_failed_run(cfg, mdir, db_url, db):
    write(mdir, A, USERS)
    write(mdir, B, INDEX)
    with pytest.raises(ToolkitError):
        migrate(MigrateSettings(config=cfg, env_name="dev", database_url=db_url), progress=lambda _: None)
    result = mark(MarkSettings(config=cfg, env_name="dev", database_url=db_url, name=B, as_state="pending"),
                  progress=lambda _: None)
    assert result.was == "failed" and B not in rows(db)


def test_rebaseline_stores_the_new_checksum_of_changed_files(cfg, mdir, db_url, db):
    _applied(cfg, mdir, db_url)
    with pytest.raises(UsageError, match="pass either --name NAME or --all-changed"):
        rebaseline(RebaselineSettings(config=cfg, env_name="dev", database_url=db_url))
    none = rebaseline(RebaselineSettings(config=cfg, env_name="dev", database_url=db_url, all_changed=True))
    assert none.rebaselined == ()
    for name in (A, C):
        path = mdir / f"{name}.sql"
        path.write_text("-- reviewed\n" + path.read_text())
    with pytest.raises(ToolkitError, match="is not a changed migration"):
        rebaseline(RebaselineSettings(config=cfg, env_name="dev", database_url=db_url, name="20990101_000000_x"))
    rec = Recorder(refuse=True)
    with pytest.raises(ToolkitError, match="confirmation did not match"):
        rebaseline(RebaselineSettings(config=cfg, env_name="production", database_url=db_url, all_changed=True),
                   confirm=rec.confirm)
    assert rec.calls == [("confirm", "production: re-baseline 2 migration(s)")]

    one = rebaseline(RebaselineSettings(config=cfg, env_name="dev", database_url=db_url, name=f"{C}.sql"),
                     progress=lambda _: None)
    assert one.rebaselined == (C,)
    rest = rebaseline(RebaselineSettings(config=cfg, env_name="dev", database_url=db_url, all_changed=True),
                      progress=lambda _: None)
    assert rest.rebaselined == (A,)
    assert status(StatusSettings(config=cfg, env_name="dev", database_url=db_url)).counts() == {"applied": 2}


# -- backups ---------------------------------------------------------------------------------------

@pytest.fixture
def bcfg(s3, cfg: Config) -> Config:
    """cfg pointed at the test's bucket (the `s3` fixture exported it), small multipart parts."""
    loaded = load_config(migrations_dir=str(cfg.migrations_dir))
    return replace(loaded, backup=replace(loaded.backup, part_size_mb=5))


def test_backup_targets_resolve_like_every_other_command(tmp_path, monkeypatch, db_url):
    for var in ("DATABASE_URL", "DATABASE_URL_UAT", "ANALYTICS_URL"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "migrate-action.toml").write_text('[environments.uat]\nextra_url_envs = ["ANALYTICS_URL"]\n')
    config = load_config(migrations_dir=str(tmp_path), config_file=str(tmp_path / "migrate-action.toml"))
    with pytest.raises(UsageError, match="no database URL for environment 'uat'"):
        backup_targets(config, "uat")
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert backup_targets(config, "uat") == ["DATABASE_URL", "ANALYTICS_URL"]
    monkeypatch.setenv("DATABASE_URL_UAT", db_url + "?application_name=x")
    assert backup_targets(config, "uat") == ["DATABASE_URL_UAT", "ANALYTICS_URL"]


def test_backup_verify_list_and_restore_round_trip(bcfg, db_url, db, s3):
    _applied(bcfg, bcfg.migrations_dir, db_url)
    db.execute("INSERT INTO users VALUES (3, 'c@x')")
    taken = backup(TakeBackupSettings(config=bcfg, env_name="production", database_url=db_url, quiet=True))
    assert taken.uri.startswith(f"s3://{s3.bucket}/migrate-action/production/") and taken.verified
    assert taken.environment == "production" and taken.database == db_url.rsplit("/", 1)[1]
    assert taken.newest_migration == C and taken.tables >= 3 and taken.size_bytes > 0
    key = taken.uri.split("/", 3)[3]
    head = s3.client().head_object(Bucket=s3.bucket, Key=key)
    assert head["ContentLength"] == taken.size_bytes
    assert taken.as_json()["uri"] == taken.uri and "tables" not in taken.as_json()

    checked = verify_backup(VerifyBackupSettings(config=bcfg, uri=taken.uri, deep=True, quiet=True))
    assert checked.verified and checked.level == "deep" and checked.recorded and checked.error is None
    assert checked.checks and all(checked.checks.values())
    assert checked.as_json()["checks"] == dict(checked.checks)

    listed = list_backups(ListBackupsSettings(config=bcfg, env_name="production"))
    assert [e.uri for e in listed] == [taken.uri]
    assert listed[0].verified and listed[0].verification["level"] == "deep" and listed[0].tables == taken.tables
    assert listed[0].as_json()["database"] == taken.database
    assert list_backups(ListBackupsSettings(config=bcfg, env_name="dev")) == ()

    db.execute("DELETE FROM users; DROP TABLE orders")
    rec = Recorder(refuse=True)
    with pytest.raises(ToolkitError, match="confirmation did not match"):
        restore(RestoreSettings(config=bcfg, env_name="production", uri=taken.uri, database_url=db_url, quiet=True),
                confirm=rec.confirm)
    assert len(rec.calls) == 1 and "replace production database" in rec.calls[0][1]
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 0  # refused: unchanged

    done = restore(RestoreSettings(config=bcfg, env_name="production", uri=taken.uri, database_url=db_url,
                                   quiet=True), confirm=Recorder().confirm)
    assert done.ok and done.newest_migration == C and done.database == taken.database
    assert db.execute("SELECT count(*) FROM users").fetchone()[0] == 3 and table_exists(db, "orders")


def test_backup_refuses_a_bad_url_variable_and_verify_reports_a_broken_object(bcfg, db_url, s3, monkeypatch):
    monkeypatch.delenv("NOT_SET_ANYWHERE", raising=False)
    with pytest.raises(UsageError, match="environment variable NOT_SET_ANYWHERE is not set"):
        backup(TakeBackupSettings(config=bcfg, env_name="dev", url_var="NOT_SET_ANYWHERE", quiet=True))
    with pytest.raises(UsageError, match="exclusive"):
        backup(TakeBackupSettings(config=bcfg, env_name="dev", url_var="X", database_url=db_url, quiet=True))
    assert s3.keys() == []

    monkeypatch.setenv("APP_DB", db_url)
    with psycopg.connect(db_url, autocommit=True) as conn:
        conn.execute("CREATE TABLE t (id int); INSERT INTO t VALUES (1)")
    taken = backup(TakeBackupSettings(config=bcfg, env_name="dev", url_var="APP_DB", quiet=True))
    key = taken.uri.split("/", 3)[3]
    s3.client().put_object(Bucket=s3.bucket, Key=key, Body=b"not a dump")  # replaced behind its manifest
    broken = verify_backup(VerifyBackupSettings(config=bcfg, uri=taken.uri, quiet=True, record=False))
    assert not broken.verified and broken.problems and broken.error and not broken.recorded
    assert not all(broken.checks.values())
