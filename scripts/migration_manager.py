#!/usr/bin/env python3
"""The runbook's entry point: `python scripts/migration_manager.py create|status|migrate|rollback ...`.

Works from a checkout without installing (it puts the repository on sys.path) and from inside the
migrations folder, as the runbook does (`cd backend/migrations`).
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from toolkit.cli import run  # noqa: E402

if __name__ == "__main__":
    run()
