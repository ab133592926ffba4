"""Item 9: every config key is type- and range-checked at load: one line naming the key, exit 2,
before anything touches the database; environment variables that feed config are checked the same way."""

from __future__ import annotations

import pytest

from tests.hardening.conftest import catalog, one_error

A = "20240102_000000_second"
OLD = "20240101_000000_first"

BAD = [
    ("[engine]\nlock_timeout_ms = \"abc\"\n",
     'migrate-action.toml: [engine] lock_timeout_ms: expected an integer >= 1, got "abc"'),
    ("[engine]\nallow_out_of_order = \"false\"\n",
     'migrate-action.toml: [engine] allow_out_of_order: expected true or false, got "false"'),
    ("[engine]\ntable = 123\n", "[engine] table: expected a table name (name or schema.name), got 123"),
    ("[engine]\nrunner_lock_wait_s = -5\n", "[engine] runner_lock_wait_s: expected a number >= 0, got -5"),
    ("[engine]\nstatement_timeout_ms = 1.5\n", "[engine] statement_timeout_ms: expected an integer >= 0, got 1.5"),
    ("[engine]\nlock_timeout_ms = 9000\n", "[engine] lock_timeout_max_ms: expected an integer >= lock_timeout_ms"),
    ("[backup]\ncompression = \"lz4\"\n", '[backup] compression: expected one of "zstd", "gzip", "none", got "lz4"'),
    ("[backup]\npart_size_mb = 0\n", "[backup] part_size_mb: expected an integer >= 5 and <= 5120, got 0"),
    ("[lint]\nfail_on = \"warn\"\n", "[lint] fail_on: expected one of"),
    ("[lint]\ndisable = \"prefer-text-field\"\n", "[lint] disable: expected a list"),
    ("[lint]\nlarge_table_rows = true\n", "[lint] large_table_rows: expected an integer >= 0, got true"),
    ("[environments.staging]\nconfirm = \"yes\"\n", '[environments.staging] confirm: expected true or false, got "yes"'),
    ("[environments.staging]\nbackup_max_age_min = 0\n", "[environments.staging] backup_max_age_min: expected a number > 0"),
    ("[environments.staging]\nextra_url_envs = [\"OK\", \"not a var\"]\n", "[environments.staging] extra_url_envs"),
    ("environments = 3\n", "[environments]: expected a table, got 3"),
    ("[engine]\nlock_timeout = 3\n", "unknown key(s) in [engine]: lock_timeout"),
]


@pytest.fixture
def seeded(mdir, cli, db):
    """One migration applied, and an older one pending (out of order)."""
    (mdir / f"{A}.sql").write_text("CREATE TABLE second (id int);\n")
    assert cli("migrate", "--env", "dev").returncode == 0
    (mdir / f"{OLD}.sql").write_text("CREATE TABLE first (id int);\n")
    return catalog(db)


@pytest.mark.parametrize(("toml", "message"), BAD, ids=[b[1].split(":")[0][:40] for b in BAD])
def test_a_bad_value_is_one_line_naming_the_key(toml, message, tmp_path, mdir, cli, db, seeded):
    (tmp_path / "migrate-action.toml").write_text(toml)
    for args in [("migrate", "--env", "dev"), ("status", "--env", "dev"), ("lint",)]:
        r = cli(*args)
        assert r.returncode == 2, r.stderr
        one_error(r, message)
    assert catalog(db) == seeded  # the out-of-order migration did not run


def test_string_false_does_not_allow_out_of_order(tmp_path, mdir, cli, db, seeded):
    (tmp_path / "migrate-action.toml").write_text('[engine]\nallow_out_of_order = "false"\n')
    cli("migrate", "--env", "dev")
    assert db.execute("SELECT to_regclass('first') IS NULL").fetchone()[0]


def test_good_values_load(tmp_path, mdir, cli, db, seeded):
    (tmp_path / "migrate-action.toml").write_text(
        "[engine]\nlock_timeout_ms = 300\nrunner_lock_wait_s = 5\nallow_out_of_order = true\n"
        "[lint]\ndisable = [\"edited-migration\", \"prefer-text-field\"]\n"
        "[environments.staging]\nconfirm = true\nextra_url_envs = [\"ANALYTICS_DB\"]\n")
    r = cli("migrate", "--env", "dev")
    assert r.returncode == 0, r.stderr
    assert db.execute("SELECT to_regclass('first') IS NOT NULL").fetchone()[0]


@pytest.mark.parametrize(("var", "value", "message"), [
    ("BACKUP_S3_BUCKET", "my bucket", "environment variable BACKUP_S3_BUCKET ([backup] bucket): expected an S3 bucket name"),
    ("AWS_ENDPOINT_URL", "localhost:9000", "environment variable AWS_ENDPOINT_URL ([backup] endpoint_url): "
                                           "expected an http(s):// URL"),
    ("AWS_REGION", "EU West", "environment variable AWS_REGION ([backup] region)"),
])
def test_environment_variables_are_checked_too(var, value, message, mdir, cli, db, seeded):
    r = cli("status", "--env", "dev", env={var: value})
    assert r.returncode == 2
    line = one_error(r, message)
    assert "migrate-action.toml" not in line  # no config file: the variable is named, not a file
