"""`command: rehearse` end to end through action.yml (tests/action/harness.py): a real backup in the
local S3 server, the rehearsal on a scratch database of the session's PostgreSQL (REHEARSE_SCRATCH_URL,
as the rehearse tests pass --scratch-url), the `rehearsal-file` output and the gate's exit code."""

from __future__ import annotations

from pathlib import Path

from tests.action.harness import ActionHarness
from tests.rehearse.conftest import source_factory, write_migration  # noqa: F401  (the fixture)

REPO = Path(__file__).resolve().parents[2]
ALTER_TYPE = "20240201_000000_qty_bigint"


def test_rehearse_command_writes_the_section_and_gates(source_factory, pg, s3, tmp_path):  # noqa: F811
    src = source_factory(items=2_000)
    write_migration(src.folder, ALTER_TYPE, "ALTER TABLE items ALTER COLUMN qty TYPE bigint;")
    before = src.snapshot()
    (tmp_path / "harness").mkdir()
    runner = ActionHarness(REPO, tmp_path, tmp_path / "harness",
                           base_env={**s3.env, "REHEARSE_SCRATCH_URL": pg.url("postgres")})

    ok = runner.run({"command": "rehearse", "environment": "dev", "migrations-dir": "migrations"})
    assert ok.ok, ok.raw_log
    assert ok.outputs["result"] == "success"
    section = Path(ok.outputs["rehearsal-file"]).read_text()
    assert section == (tmp_path / "harness" / "runner_temp" / "rehearsal.md").read_text()
    assert ALTER_TYPE in section.replace("\\_", "_") and "ACCESS EXCLUSIVE" in section
    assert section.strip() in ok.summary

    # Any write-blocking lock held longer than 0 ms fails the step: one error annotation, exit 1,
    # and the section is still written for the comment.
    gated = runner.run({"command": "rehearse", "environment": "dev", "migrations-dir": "migrations",
                        "max-lock-ms": "0"})
    assert not gated.ok and gated.step("run").returncode == 1
    assert gated.outputs["result"] == "failure" and Path(gated.outputs["rehearsal-file"]).is_file()
    errors = gated.annotations("error")
    assert len(errors) == 1 and "limit --max-lock-ms 0" in errors[0]["message"]
    assert src.snapshot() == before  # the environment's database is never touched

    bad = runner.run({"command": "rehearse", "environment": "dev", "max-duration-s": "soon"})
    assert not bad.ok and bad.step("run").returncode == 2
    assert "input `max-duration-s` must be a number" in bad.log and "Traceback" not in bad.log
