"""Colour only on a terminal, and never with NO_COLOR (no-color.org)."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys

import pytest

from toolkit.console import use_color


class Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_colour_only_on_a_terminal_and_never_with_no_color(monkeypatch):
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert use_color(Tty()) is True
    assert use_color(io.StringIO()) is False  # a pipe or a CI log
    monkeypatch.setenv("NO_COLOR", "1")
    assert use_color(Tty()) is False


@pytest.mark.skipif(shutil.which("script") is None, reason="needs util-linux script for a pseudo-terminal")
def test_cli_on_a_terminal_is_coloured_unless_no_color(mdir, db_url, tmp_path):
    (mdir / "20240101_000000_a.sql").write_text("CREATE TABLE a (id int);")
    base = {**os.environ, "DATABASE_URL": db_url, "MIGRATIONS_DIR": str(mdir)}
    base.pop("NO_COLOR", None)

    def on_tty(*args: str, **extra: str) -> str:
        cmd = " ".join([sys.executable, "-m", "toolkit", *args])
        r = subprocess.run(["script", "-qec", cmd, "/dev/null"], env={**base, **extra}, cwd=tmp_path,
                           capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL)
        assert r.returncode == 0, r.stdout
        return r.stdout

    assert "\x1b[" in on_tty("status", "--env", "dev")
    assert "\x1b[" not in on_tty("status", "--env", "dev", NO_COLOR="1")
