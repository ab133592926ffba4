"""Use case: a new migration and its rollback file (`create`).

create(settings) -> CreateResult. I/O: writes the two skeleton files into the migrations folder
(refusing a name already used); no database.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from toolkit.config import Config


class CreateSettings(msgspec.Struct, frozen=True):
    config: Config
    name: str  # lowercase letters, digits, underscores


class CreateResult(msgspec.Struct, frozen=True):
    up: Path  # YYYYMMDD_HHMMSS_NAME.sql (UTC timestamp)
    down: Path  # its _rollback.sql


def create(settings: CreateSettings) -> CreateResult:
    """Write YYYYMMDD_HHMMSS_NAME.sql and its _rollback.sql; a bad or used name raises a UsageError."""
    from toolkit.migrations.files import create as create_files

    up, down = create_files(settings.config.migrations_dir, settings.name)
    return CreateResult(up=up, down=down)
