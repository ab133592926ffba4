"""`rehearse --format json`: the document is the report's fields, nested reports as objects, in field
order, then the gate's figures. Pinned key by key so a change of value type cannot reshape it."""

from __future__ import annotations

import json

from toolkit.rehearse.render import as_json
from toolkit.rehearse.report import LockHold, MigrationReport, Rehearsal, Restored, StatementReport


def _rehearsal() -> Rehearsal:
    lock = LockHold(relation="public.users", mode="ACCESS EXCLUSIVE", start_ms=1.5, hold_ms=12.25)
    new = LockHold(relation="public.fresh", mode="ACCESS EXCLUSIVE", start_ms=2.0, hold_ms=99.0, new_relation=True)
    st = StatementReport(migration="m1", index=1, line=3, text="ALTER TABLE users ADD c int", start_ms=1.0,
                         wall_ms=14.0, locks=(lock, new), rewritten=("public.users",), truncated=(), rows=None,
                         rows_estimated=False, wal_bytes=2048, probe_stall_ms=0.0,
                         static_locks=(("users", "ACCESS EXCLUSIVE"),), disagreements=("x",))
    mig = MigrationReport(name="m1", transactional=True, wall_ms=15.0, statements=(st,), wal_bytes=2048,
                          longest_lock_ms=12.25, probe_stall_ms=0.0)
    restored = Restored(backup_uri="s3://b/k", backup_started_at="2025-01-01T00:00:00Z", environment="prod",
                        data_tables={"public.users": {"bytes": 8192, "rows": 3, "why": "touched"}},
                        schema_only_tables=2, excluded=("public.log",), dropped_foreign_keys=(), skipped=(),
                        restored_bytes=8192, database_bytes=16384, dump_bytes=4096, download_s=0.5, restore_s=1.25)
    return Rehearsal(environment="prod", scratch="embedded", restored=restored, migrations=(mig,),
                     probed_tables=("public.users",), total_ms=1500.0, already_applied="m0", notes=("n",))


def test_the_json_document_keeps_field_order_nesting_and_value_types():
    doc = json.loads(as_json(_rehearsal()))
    assert list(doc) == ["environment", "scratch", "restored", "migrations", "probed_tables", "total_ms",
                         "already_applied", "notes", "gate"]
    assert doc["gate"] == {"longest_blocking_lock_ms": 12.2, "total_s": 1.5}
    assert doc["restored"]["data_tables"] == {"public.users": {"bytes": 8192, "rows": 3, "why": "touched"}}
    assert doc["restored"]["excluded"] == ["public.log"] and doc["restored"]["restore_s"] == 1.25
    (m,) = doc["migrations"]
    assert list(m) == ["name", "transactional", "wall_ms", "statements", "wal_bytes", "longest_lock_ms",
                       "probe_stall_ms", "tries", "error"]
    (s,) = m["statements"]
    assert s["locks"] == [
        {"relation": "public.users", "mode": "ACCESS EXCLUSIVE", "start_ms": 1.5, "hold_ms": 12.25,
         "new_relation": False},
        {"relation": "public.fresh", "mode": "ACCESS EXCLUSIVE", "start_ms": 2.0, "hold_ms": 99.0,
         "new_relation": True}]
    assert s["static_locks"] == [["users", "ACCESS EXCLUSIVE"]] and s["rows"] is None and s["error"] is None
    assert s["rewritten"] == ["public.users"] and s["truncated"] == [] and s["wal_bytes"] == 2048


def test_the_json_text_is_indented_and_a_rehearsal_without_restore_says_null():
    r = _rehearsal()
    text = as_json(Rehearsal(environment=r.environment, scratch=r.scratch, restored=None, migrations=(),
                             probed_tables=(), total_ms=0.0))
    assert text.startswith('{\n  "environment": "prod",\n  "scratch": "embedded",\n  "restored": null,')
    assert json.loads(text)["gate"] == {"longest_blocking_lock_ms": 0, "total_s": 0.0}
