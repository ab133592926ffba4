"""The program entry tunes the garbage collector for a one-command process; `main` called in-process
(tests, embedding) leaves the interpreter's settings alone. Speed: benchmarks/lint_speed.py."""

from __future__ import annotations

import gc
import subprocess
import sys
import textwrap
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _probe(entry: str, tmp_path: Path) -> str:
    # Reports the collector's settings once the command ran (atexit), without changing its behaviour.
    code = textwrap.dedent(f"""
        import atexit, gc, sys
        atexit.register(lambda: print("GC", gc.get_threshold(), gc.get_freeze_count() > 0, file=sys.stderr))
        sys.argv = ["migrate-action", "lint", "--dir", {str(tmp_path)!r}, "--fail-on", "never"]
        import toolkit.cli
        toolkit.cli.{entry}()
    """)
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0, r.stderr
    assert "20240101_000000_a" in r.stdout  # the command itself ran
    return next(ln for ln in r.stderr.splitlines() if ln.startswith("GC "))


def test_the_program_entry_tunes_the_collector_and_main_in_process_does_not(tmp_path):
    (tmp_path / "20240101_000000_a.sql").write_text("CREATE TABLE a (id int);\n")
    assert _probe("run", tmp_path) == "GC (50000, 20, 100) True"
    assert _probe("main", tmp_path) == f"GC {gc.get_threshold()} False"


def test_every_entry_point_goes_through_run():
    pyproject = (REPO / "pyproject.toml").read_text()
    assert '"toolkit.cli:run"' in pyproject and '"toolkit.cli:main"' not in pyproject
    for entry in ("toolkit/__main__.py", "scripts/migration_manager.py"):
        assert "run()" in (REPO / entry).read_text()
