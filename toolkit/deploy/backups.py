"""The deploy's calls into the backup area (toolkit.backup), each returning a one-line detail for
the story. Kept here so the pipeline reads as steps and the backup API is used in one place."""

from __future__ import annotations

from dataclasses import dataclass

from toolkit.config import Config, Environment


@dataclass(frozen=True)
class Taken:
    uri: str
    detail: str


def _size(manifest: dict) -> str:
    from toolkit.backup.manifest import human_bytes

    size = manifest.get("size_bytes")
    return human_bytes(size) if isinstance(size, (int, float)) else "?"


def take(config: Config, env: Environment, database_url: str) -> Taken:
    from toolkit.backup import take_backup

    result = take_backup(config, env, database_url, progress=False)
    tables = result.manifest.get("tables") or {}
    return Taken(result.uri, f"{result.uri} ({_size(result.manifest)}, {len(tables)} tables, SHA-256 checked)")


def verify(config: Config, env: Environment, database_url: str, uri: str) -> str:
    from toolkit.backup import verify_backup

    result = verify_backup(config, uri)
    return getattr(result, "summary", None) or f"{uri}: verified"


def restore(config: Config, env: Environment, database_url: str, uri: str) -> str:
    from toolkit.backup import restore_backup

    result = restore_backup(config, env, database_url, uri)
    return getattr(result, "summary", None) or f"restored {uri}"
