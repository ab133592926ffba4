"""docs/rules/ is generated from the rule registry and the rules' test cases; it must be current."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_every_rule_has_a_current_page() -> None:
    from toolkit.sql.rules import registry

    pages = {p.stem for p in (ROOT / "docs" / "rules").glob("*.md")}
    assert set(registry()) <= pages, f"rules without a page: {sorted(set(registry()) - pages)}"
    run = subprocess.run([sys.executable, str(ROOT / "scripts" / "gen_rule_docs.py"), "--check"],
                         capture_output=True, text=True)
    assert run.returncode == 0, run.stderr


def test_a_page_says_why_and_instead_with_a_checked_example() -> None:
    from tests.sql.test_rules import CASES
    from toolkit.sql.rules import registry

    rule = registry()["truncate-cascade"]
    page = (ROOT / "docs" / "rules" / "truncate-cascade.md").read_text()
    assert rule.why in page and rule.instead in page
    assert CASES["truncate-cascade"][0][0].strip() in page
