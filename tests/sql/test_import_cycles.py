"""The analysis modules import each other one way only (issue 10).

rules/__init__.py aggregates the rollback rules (registry() imports rollback_coverage), so
rollback_coverage and the rule modules must take Rule/Finding/Context from rules.model, never from
the package they are loaded by. Imports are read from the source (function-level ones included),
so a lazy import that only hides a cycle still counts.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

import toolkit

ROOT = Path(toolkit.__file__).parent
RULES_DIR = ROOT / "sql" / "rules"


def _module_name(path: Path) -> str:
    rel = path.relative_to(ROOT.parent).with_suffix("")
    parts = rel.parts[:-1] if rel.name == "__init__" else rel.parts
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    """Every toolkit module `path` imports, at any depth in the file ("from a.b import c" -> a.b,
    plus a.b.c when that is a module)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
    modules = {_module_name(p) for p in ROOT.rglob("*.py")}
    return {m for m in out if m in modules}


def _graph() -> dict[str, set[str]]:
    return {_module_name(p): _imports(p) for p in (ROOT / "sql").rglob("*.py")}


def _reaches(graph: dict[str, set[str]], start: str, goal: str) -> bool:
    seen, todo = set(), [start]
    while todo:
        m = todo.pop()
        if m == goal:
            return True
        if m not in seen:
            seen.add(m)
            todo.extend(graph.get(m, ()))
    return False


def test_rules_package_imports_rollback_coverage_but_not_back() -> None:
    graph = _graph()
    assert _reaches(graph, "toolkit.sql.rules", "toolkit.sql.rollback_coverage")  # the registry
    assert not _reaches(graph, "toolkit.sql.rollback_coverage", "toolkit.sql.rules")


def test_rule_modules_do_not_import_their_package() -> None:
    graph = _graph()
    importers = sorted(m for m, deps in graph.items()
                       if m.startswith("toolkit.sql.rules.") and "toolkit.sql.rules" in deps)
    assert importers == []


def test_model_depends_on_no_rule_or_rollback_module() -> None:
    graph = _graph()
    assert not _reaches(graph, "toolkit.sql.rules.model", "toolkit.sql.rules")
    assert not _reaches(graph, "toolkit.sql.rules.model", "toolkit.sql.rollback_coverage")


@pytest.mark.parametrize("module", ["toolkit.sql.rollback_coverage", "toolkit.sql.rules.blocking_scan",
                                    "toolkit.sql.rules.model", "toolkit.sql.lint"])
def test_imports_first_in_a_fresh_interpreter(module: str) -> None:
    # The old names still work from the package (re-exported), whichever module loads first.
    code = (f"import {module}; from toolkit.sql.rules import Finding, Rule, Context, registry; "
            "from toolkit.sql.rules.model import Finding as F, Rule as R; "
            "assert Finding is F and Rule is R; assert 'rollback-incomplete' in registry()")
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
