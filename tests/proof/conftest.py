"""Helpers for the proof tests: migration folders written per test, proofs on the session cluster."""

from __future__ import annotations

from pathlib import Path

import pytest

BASE = """BEGIN;
CREATE TABLE accounts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    email varchar(100) NOT NULL,
    status text DEFAULT 'new',
    balance integer NOT NULL DEFAULT 0
);
INSERT INTO accounts (email) VALUES ('ada@example.com'), ('grace@example.com');
COMMIT;
"""
BASE_DOWN = "BEGIN;\nDROP TABLE accounts;\nCOMMIT;\n"


@pytest.fixture
def write_migrations(tmp_path: Path):
    """write_migrations([(name, up, down_or_None), ...]) -> the folder; names get timestamps in order,
    after a base migration that creates `accounts`."""

    def write(items: list[tuple[str, str, str | None]], *, base: bool = True) -> Path:
        folder = tmp_path / "migrations"
        folder.mkdir(exist_ok=True)
        all_items = ([("base_accounts", BASE, BASE_DOWN)] if base else []) + items
        for i, (name, up, down) in enumerate(all_items):
            stem = f"20250101_{100000 + i:06d}_{name}"
            (folder / f"{stem}.sql").write_text(up)
            if down is not None:
                (folder / f"{stem}_rollback.sql").write_text(down)
        return folder

    return write
