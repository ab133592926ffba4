"""Files on disk: discovery, checksums that survive line-ending changes and moves, `create`."""

from __future__ import annotations

import re
import shutil
from datetime import UTC, datetime

import pytest

from toolkit.errors import ToolkitError, UsageError
from toolkit.migrations.files import checksum_bytes, create, discover

SQL = "BEGIN;\nCREATE TABLE t (id int);\nCOMMIT;\n"


def test_checksum_ignores_line_endings_and_bom_but_not_content():
    lf = checksum_bytes(SQL.encode())
    assert checksum_bytes(SQL.replace("\n", "\r\n").encode()) == lf
    assert checksum_bytes(b"\xef\xbb\xbf" + SQL.encode()) == lf
    assert checksum_bytes(SQL.replace("id int", "id bigint").encode()) != lf
    assert re.fullmatch(r"[0-9a-f]{64}", lf)


def test_checksum_does_not_depend_on_the_directory(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "20240101_000000_x.sql").write_text(SQL)
    before = discover(tmp_path / "a")[0].checksum
    shutil.move(tmp_path / "a", tmp_path / "b")
    assert discover(tmp_path / "b")[0].checksum == before


def test_discover_orders_by_name_and_pairs_rollbacks(tmp_path):
    for name in ("20240102_000000_second.sql", "20240101_000000_first.sql", "20240101_000000_first_rollback.sql",
                 "README.md"):  # misnamed .sql files are refused: tests/hardening/test_input_names.py
        (tmp_path / name).write_text(SQL)
    found = discover(tmp_path)
    assert [f.name for f in found] == ["20240101_000000_first", "20240102_000000_second"]
    assert found[0].rollback_path == tmp_path / "20240101_000000_first_rollback.sql"
    assert found[1].rollback_path is None


def test_discover_missing_directory_is_a_usage_error(tmp_path):
    with pytest.raises(UsageError, match="migrations directory not found"):
        discover(tmp_path / "nope")


def test_create_writes_the_runbook_skeleton(tmp_path):
    up, down = create(tmp_path, "add_user_preferences", now=datetime(2024, 12, 27, 12, 0, 0, tzinfo=UTC))
    assert up.name == "20241227_120000_add_user_preferences.sql"
    assert down.name == "20241227_120000_add_user_preferences_rollback.sql"
    text = up.read_text()
    assert text.startswith("-- Migration: add_user_preferences\n-- Created: 2024-12-27\n-- Description:")
    assert "\nBEGIN;\n" in text and text.rstrip().endswith("COMMIT;")
    assert down.read_text().startswith("-- Rollback: add_user_preferences\n")


def test_create_refuses_an_existing_name_and_bad_names(tmp_path):
    create(tmp_path, "add_x", now=datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(ToolkitError, match="already exists"):
        create(tmp_path, "add_x", now=datetime(2024, 1, 2, tzinfo=UTC))
    for bad in ("Add-X", "add x", "", "../evil"):
        with pytest.raises(UsageError, match="invalid migration name"):
            create(tmp_path, bad)
    assert len(list(tmp_path.iterdir())) == 2


def test_create_cli_from_inside_the_migrations_folder(run_cli, tmp_path):
    """The runbook does `cd backend/migrations` then runs the manager there."""
    inside = tmp_path / "backend" / "migrations"
    inside.mkdir(parents=True)
    r = run_cli("create", "--name", "add_user_preferences", cwd=inside)
    assert r.returncode == 0, r.stderr
    names = sorted(p.name for p in inside.iterdir())
    assert len(names) == 2 and names[0].endswith("_add_user_preferences.sql")
    r = run_cli("create", "--name", "Bad Name", cwd=inside)
    assert r.returncode == 2 and r.stderr.count("\n") == 1 and "invalid migration name" in r.stderr
    assert len(list(inside.iterdir())) == 2
