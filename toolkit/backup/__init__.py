"""Backups to S3 with proof, restore, and the production backup gate.

Public functions (the deploy pipeline calls them directly): `take_backup`, `verify_backup`,
`restore_backup`, `list_backups`. boto3 and zstandard are imported only when one of them is used,
so importing this package (or `toolkit.backup.gate`) costs nothing until a backup is touched.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "take_backup": "toolkit.backup.take",
    "BackupResult": "toolkit.backup.take",
    "verify_backup": "toolkit.backup.verify",
    "VerifyResult": "toolkit.backup.verify",
    "restore_backup": "toolkit.backup.restore",
    "RestoreResult": "toolkit.backup.restore",
    "list_backups": "toolkit.backup.listing",
    "require_verified_backup": "toolkit.backup.gate",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'toolkit.backup' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
