"""Errors about a file carry its path and line as fields (annotations and the deploy summary read them),
never only inside the message text."""

from __future__ import annotations

import pytest

from toolkit.errors import ToolkitError
from toolkit.migrations.runner import load_step

CASES = {
    "nested BEGIN": ("BEGIN;\nSELECT 1;\nBEGIN;\nCOMMIT;\n", 3),
    "COMMIT without BEGIN": ("SELECT 1;\nCOMMIT;\n", 2),
    "ROLLBACK": ("BEGIN;\nSELECT 1;\nROLLBACK;\n", 3),
    "BEGIN never committed": ("SELECT 1;\nBEGIN;\nSELECT 2;\n", 2),
    "concurrently inside a transaction": ("BEGIN;\nCREATE INDEX CONCURRENTLY i ON t (a);\nCOMMIT;\n", 2),
    "timeout switched off": ("BEGIN;\nSELECT 1;\nSET lock_timeout = 0;\nCOMMIT;\n", 3),
    "syntax error": ("BEGIN;\nSELEC 1;\nCOMMIT;\n", 2),
    "NUL character": ("SELECT 1;\nSELECT\0 2;\n", 2),
}


@pytest.mark.parametrize("case", list(CASES))
def test_file_errors_name_path_and_line_as_fields(case: str) -> None:
    from toolkit.config import EngineSettings
    from toolkit.migrations.runner import check_step

    text, line = CASES[case]
    with pytest.raises(ToolkitError) as err:
        step = load_step("20250101_000000_x", "migrations/20250101_000000_x.sql", text)
        check_step(step, EngineSettings())
    assert err.value.path == "migrations/20250101_000000_x.sql" and err.value.line == line, err.value.message
    assert err.value.message.startswith(f"migrations/20250101_000000_x.sql:{line}")
