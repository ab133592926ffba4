"""ARCHITECTURE.md's rules, checked: the import contracts (import-linter, `.importlinter`) and the size of
functions (no function in toolkit/ over 80 lines or above cyclomatic complexity 25, measured by radon)."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MAX_LINES, MAX_COMPLEXITY = 80, 25


def test_import_contracts_are_kept() -> None:
    lint_imports = Path(sys.executable).with_name("lint-imports")  # import-linter's command, in this venv
    run = subprocess.run([str(lint_imports), "--config", str(ROOT / ".importlinter"), "--no-cache"],
                         capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr
    assert "BROKEN" not in run.stdout and run.stdout.count("KEPT") >= 5


def test_no_function_is_too_long_or_too_complex() -> None:
    from radon.complexity import cc_visit

    too_long, too_complex = [], []
    for path in sorted((ROOT / "toolkit").rglob("*.py")):
        source = path.read_text(encoding="utf-8")
        where = path.relative_to(ROOT)
        for node in ast.walk(ast.parse(source)):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = node.end_lineno - node.lineno + 1
                if lines > MAX_LINES:
                    too_long.append(f"{where}:{node.lineno} {node.name} ({lines} lines)")
        for block in cc_visit(source):
            for item in [block, *getattr(block, "methods", [])]:
                if item.complexity > MAX_COMPLEXITY:
                    too_complex.append(f"{where}:{item.lineno} {item.name} (complexity {item.complexity})")
    assert not too_long and not too_complex, "\n".join(too_long + too_complex)
