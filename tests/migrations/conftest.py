from pathlib import Path

import pytest


@pytest.fixture
def mdir(tmp_path: Path) -> Path:
    d = tmp_path / "migrations"
    d.mkdir()
    return d


@pytest.fixture
def cli(run_cli, db_url, mdir):
    """run the CLI against this test's database and migrations folder (env dev unless given)."""

    def run(*args: str, env: dict | None = None, **kw):
        e = {"DATABASE_URL": db_url, "MIGRATIONS_DIR": str(mdir), "NO_COLOR": "1"}
        e.update(env or {})
        return run_cli(*args, env=e, **kw)

    return run
