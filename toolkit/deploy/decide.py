"""Pure decisions of the deploy pipeline: what the rollback gets, which way back, where to dispatch."""

from __future__ import annotations

import json
from collections.abc import Sequence

from toolkit.config import MIGRATION_RE
from toolkit.errors import UsageError

ROLLBACK_MODES = ("migrations", "restore")
TRUE = ("true", "yes", "1", "on")
FALSE = ("false", "no", "0", "off", "")


def parse_bool(value: str | bool | None, name: str) -> bool:
    if isinstance(value, bool):
        return value
    text = (value or "").strip().lower()
    if text in TRUE:
        return True
    if text in FALSE:
        return False
    raise UsageError(f"{name} must be true or false, got {value!r}")


def parse_migration_list(text: str | Sequence[str] | None) -> list[str]:
    """Migration names from `a,b`, `a b`, one per line, or a JSON list; `.sql` suffixes dropped.

    Every name must look like a migration (YYYYMMDD_HHMMSS_name): a name comes from a workflow input
    someone typed at 3 a.m., so it is checked before anything else happens.
    """
    if text is None:
        return []
    if isinstance(text, str):
        stripped = text.strip()
        if not stripped:
            return []
        if stripped.startswith("["):
            try:
                items = json.loads(stripped)
            except json.JSONDecodeError as exc:
                raise UsageError(f"migrations: not a valid JSON list: {exc.msg}") from None
            if not isinstance(items, list) or not all(isinstance(x, str) for x in items):
                raise UsageError("migrations: the JSON must be a list of names")
        else:
            items = stripped.replace(",", " ").split()
    else:
        items = list(text)
    names: list[str] = []
    for item in items:
        name = item.strip().removesuffix(".sql")
        if not MIGRATION_RE.match(name + ".sql") or name.endswith("_rollback"):
            raise UsageError(f"migrations: {item.strip()[:80]!r} is not a migration name",
                             hint="names look like 20241227_120000_add_user_preferences")
        if name in names:
            raise UsageError(f"migrations: {name} is listed twice")
        names.append(name)
    return names


def check_newest_first(names: Sequence[str]) -> None:
    """Rollback scripts undo in reverse order; a list in the wrong order is a typo worth stopping on."""
    if list(names) != sorted(names, reverse=True):
        raise UsageError("migrations must be listed newest first (the order they are undone in)",
                         hint=f"did you mean: {','.join(sorted(names, reverse=True))}")


def dispatch_inputs(*, environment: str, applied: Sequence[str], backup_uri: str | None,
                    deployment_id: int | str | None, reason: str, mode: str, sha: str | None) -> dict[str, str]:
    """The rollback workflow's inputs (all strings, as workflow_dispatch wants): migrations newest first."""
    newest_first = sorted(applied, reverse=True)
    inputs = {
        "environment": environment,
        "mode": mode,
        "migrations": ",".join(newest_first),
        "backup-uri": backup_uri or "",
        "deployment-id": str(deployment_id or ""),
        "reason": reason[:1000],
    }
    if sha:
        inputs["sha"] = sha
    return inputs


def dispatch_ref(ref: str | None, default_branch: str | None) -> str | None:
    """workflow_dispatch runs on a branch or tag: the deploy's own, else the default branch."""
    for prefix in ("refs/heads/", "refs/tags/"):
        if ref and ref.startswith(prefix):
            return ref[len(prefix):]
    return default_branch


def deployment_description(step: str | None, message: str) -> str:
    text = " ".join(message.split())
    return f"{step} failed: {text}" if step else text
