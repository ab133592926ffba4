"""What going back would lose, said before anyone does it: rows in the tables and columns a rollback
drops, and the minutes of writes a restore would discard."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import msgspec
import psycopg

# Row estimates from the planner's statistics: instant on any size of table (count(*) is not), and
# good enough to tell "none" from "thousands". reltuples is -1 for a table never analysed.
_Q_ROWS = """
SELECT c.oid::regclass::text, c.reltuples::bigint, n.n_live_tup
  FROM pg_class c LEFT JOIN pg_stat_user_tables n ON n.relid = c.oid
 WHERE c.oid = to_regclass(%s)"""


class ObjectRows(msgspec.Struct, frozen=True):
    object: str  # "table users" / "column users.nickname"
    table: str  # the table holding the rows, as regclass text
    rows: int | None  # estimate; None when the table is missing or was never analysed

    def describe(self) -> str:
        n = "unknown rows" if self.rows is None else f"~{self.rows:,} row{'s' if self.rows != 1 else ''}"
        return f"{self.object} ({n})"


def _table_of(key: str) -> str:
    kind, _, name = key.partition(" ")
    return name.rsplit(".", 1)[0] if kind == "column" else name


def rows_at_risk(conn: psycopg.Connection, objects: Iterable[str]) -> list[ObjectRows]:
    """Estimated rows in each table/column key ("table x", "column t.c") a rollback would drop."""
    out = []
    for key in objects:
        table = _table_of(key)
        row = conn.execute(_Q_ROWS, (table,)).fetchone()
        if row is None:
            out.append(ObjectRows(key, table, None))
            continue
        name, reltuples, live = row
        rows = reltuples if reltuples is not None and reltuples >= 0 else live
        out.append(ObjectRows(key, name, int(rows) if rows is not None else None))
    return out


def minutes_since(taken_at: datetime, now: datetime | None = None) -> float:
    """Minutes of writes a restore of a backup taken at taken_at discards (time since the backup)."""
    now = now or datetime.now(UTC)
    if taken_at.tzinfo is None:
        taken_at = taken_at.replace(tzinfo=UTC)
    return max((now - taken_at).total_seconds() / 60.0, 0.0)


class DataLossPreview(msgspec.Struct, frozen=True):
    mode: str  # what would be dispatched: none | migrations | restore | manual
    dropped: tuple[ObjectRows, ...] = ()
    restore_minutes: float | None = None
    backup_taken_at: datetime | None = None

    def describe(self) -> str:
        """One line for the dispatch inputs and the deployment status (which keeps 140 characters)."""
        if self.mode == "none":
            return "no data loss: no database rollback"
        parts = []
        if self.dropped:
            parts.append("rollback drops " + ", ".join(o.describe() for o in self.dropped[:3])
                         + (f" and {len(self.dropped) - 3} more" if len(self.dropped) > 3 else ""))
        elif self.mode == "migrations":
            parts.append("rollback drops no table or column")
        if self.restore_minutes is not None:
            parts.append(f"restore discards {self.restore_minutes:.0f} min of writes")
        return "; ".join(parts) or "data loss unknown"

    def to_dict(self) -> dict:
        return {"mode": self.mode, "summary": self.describe(),
                "dropped": [{"object": o.object, "table": o.table, "rows": o.rows} for o in self.dropped],
                "restore_minutes": None if self.restore_minutes is None else round(self.restore_minutes, 1),
                "backup_taken_at": self.backup_taken_at.isoformat() if self.backup_taken_at else None}


def preview(conn: psycopg.Connection | None, mode: str, drops: Iterable[str] = (),
            backup_taken_at: datetime | None = None, now: datetime | None = None) -> DataLossPreview:
    """The preview for a chosen way back: rows behind the drops of a script rollback, minutes of
    writes behind a restore."""
    dropped = tuple(rows_at_risk(conn, drops)) if conn is not None and mode == "migrations" else ()
    minutes = minutes_since(backup_taken_at, now) if backup_taken_at and mode == "restore" else None
    return DataLossPreview(mode, dropped, minutes, backup_taken_at)
