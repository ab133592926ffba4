"""The locks a statement's traffic feels: its own, or a stronger one its transaction already holds."""

from __future__ import annotations

from pathlib import Path

from msgspec.structs import replace

from toolkit.plan.build import build_plan
from toolkit.plan.model import PendingMigration, effective_locks
from toolkit.report.text import render
from toolkit.sql.locks import Schema, analyze_file
from toolkit.sql.parse import SqlSyntaxError, parse

REALSETS = Path(__file__).resolve().parents[1] / "realsets"


def _reference(sf):
    # per lock, StatementFacts.effective_mode: the strongest of the statement's locks on the table and the held one
    out = []
    for lk in sf.locks:
        eff = sf.effective_mode(lk.table) if sf.in_transaction else lk.mode
        out.append(replace(lk, mode=eff) if eff and eff != lk.mode else lk)
    return out


def test_an_update_after_alter_table_in_one_transaction_runs_under_access_exclusive():
    sql = ("BEGIN;\nALTER TABLE orders ADD COLUMN note text;\nUPDATE orders SET note = 'x' WHERE id = 1;\n"
           "LOCK TABLE items IN SHARE MODE;\nINSERT INTO items SELECT * FROM orders;\nCOMMIT;\n")
    facts = analyze_file(parse(sql, "m.sql"), Schema())
    by_line = {sf.statement.line: effective_locks(sf) for sf in facts}
    assert [(lk.table, lk.mode) for lk in by_line[3]] == [("orders", "ACCESS EXCLUSIVE")]
    assert {(lk.table, lk.mode) for lk in by_line[5]} == {("items", "SHARE"),
                                                            ("orders", "ACCESS EXCLUSIVE")}
    text = render(build_plan([PendingMigration("m", "m.sql", sql)], environment=None, source="files",
                             check_rollback=False))
    # the UPDATE's rows decide how long traffic waits on the held lock: not "catalog only"
    assert ("line 3    ROW EXCLUSIVE on orders (inside ACCESS EXCLUSIVE held since line 2): blocks reads and "
            "writes for as long as the statement runs  [UPDATE]") in text
    assert "line 2    ACCESS EXCLUSIVE on orders: blocks reads and writes briefly (catalog only)" in text
    # and the worst lock is the one held while rows are written, not the catalog change
    assert "Worst lock: ACCESS EXCLUSIVE on orders in m (blocks reads and writes for as long as the statement runs)" \
        in text


def test_effective_locks_agree_with_effective_mode_on_the_real_sets():
    compared = raised = 0
    for path in sorted(REALSETS.glob("*/migrations/*.sql")):
        try:
            facts = analyze_file(parse(path.read_text(encoding="utf-8"), str(path)), Schema())
        except SqlSyntaxError:
            continue
        for sf in facts:
            got = effective_locks(sf)
            assert got == _reference(sf), (path, sf.statement.line)
            compared += len(got)
            raised += sum(a.mode != b.mode for a, b in zip(got, sf.locks, strict=True))
    assert compared > 2000 and raised > 20
