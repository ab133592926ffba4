"""Untrusted text (migration SQL, file names, identifiers, messages) stays inside its block in the PR
comment, the job summary and the annotations (issue 9, item 14).

The comment is rendered from hostile migrations and parsed with a real CommonMark parser (markdown-it-py,
with GFM tables as GitHub has them); the HTML must hold no element that came from the SQL, and the next
migration's findings must still be visible.
"""

from __future__ import annotations

import html
import re

import pytest
from markdown_it import MarkdownIt

from toolkit.github.context import escape_data, escape_property
from toolkit.plan.build import build_plan
from toolkit.plan.model import PendingMigration
from toolkit.report import render

MARKER = "<!-- migrate-action:plan:production -->"
INJECTED = "✅ Reviewed by the DBA"

# An indented fence (CommonMark closes a fence indented up to 3 spaces), a longer one, a tilde fence,
# raw HTML, a comment left open, a link and an image: all must stay SQL text.
HOSTILE_SQL = f"""BEGIN;
CREATE TABLE notes (id int);
   ```
## {INJECTED}
  ``````
# {INJECTED} again
~~~
<img src=x onerror=alert(1)> [click](javascript:alert(1)) ![t](https://tracker.example/p.gif)
</details>
<!--
COMMIT;
"""
HOSTILE_RB = "BEGIN;\nDROP TABLE notes;\nCOMMIT;\n"
# The next migration: its findings must be visible after the hostile one.
NEXT_SQL = "BEGIN;\nALTER TABLE orders ADD COLUMN score float8 DEFAULT random();\nCOMMIT;\n"
NEXT_RB = "BEGIN;\nALTER TABLE orders DROP COLUMN score;\nCOMMIT;\n"
# An identifier that ends up in finding messages and lock tables.
ODD_TABLE = '"t|x<!--*[a](javascript:1)_b_ `c`"'
ODD_SQL = f"BEGIN;\nALTER TABLE {ODD_TABLE} ADD COLUMN d float8 DEFAULT random();\nCOMMIT;\n"


def md_to_html(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def visible_text(rendered: str) -> str:
    """What a reader sees as the comment's own text: comments dropped (that is how `<!--` hides text), code
    blocks dropped (a finding swallowed by a runaway code block is no longer a finding), tags dropped."""
    no_comments = re.sub(r"<!--.*?(-->|$)", "", rendered, flags=re.S)
    no_comments = re.sub(r"<pre>.*?(</pre>|$)", "", no_comments, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", "", no_comments))


def only_rule_links(rendered: str) -> bool:
    """The only links are the ones the report adds: each finding's rule page. None came from the SQL."""
    from toolkit.report.links import DOCS_URL

    anchors = re.findall(r"<a\b[^>]*>", rendered)
    return all(re.fullmatch(rf'<a href="{re.escape(DOCS_URL)}/rules/[a-z0-9-]+\.md">', a) for a in anchors)


def hostile_plan(name: str = "20250101_000000_add_notes", path: str | None = None):
    path = path or f"migrations/{name}.sql"
    pending = [PendingMigration(name, path, HOSTILE_SQL, path[:-4] + "_rollback.sql", HOSTILE_RB),
               PendingMigration("20250102_000000_add_score", "migrations/20250102_000000_add_score.sql", NEXT_SQL,
                                "migrations/20250102_000000_add_score_rollback.sql", NEXT_RB),
               PendingMigration("20250103_000000_odd", "migrations/20250103_000000_odd.sql", ODD_SQL,
                                "migrations/20250103_000000_odd_rollback.sql", "SELECT 1;\n")]
    return build_plan(pending, environment="production", source="database (schema_migrations)")


def test_sql_cannot_break_out_of_its_code_block():
    plan = hostile_plan()
    rendered = md_to_html(render(plan, "markdown", marker=MARKER))
    # One heading: the comment's own title. Nothing the SQL wrote became a heading, image, link or tag.
    assert re.findall(r"<h\d", rendered) == ["<h3"]
    assert "<img" not in rendered and only_rule_links(rendered)
    assert rendered.count("<!--") == 1 and rendered.startswith(MARKER)
    assert rendered.count("<details>") == rendered.count("</details>") == 3
    # The whole SQL is shown, as code, exactly.
    blocks = [html.unescape(b) for b in re.findall(r"<pre><code[^>]*>(.*?)</code></pre>", rendered, flags=re.S)]
    assert HOSTILE_SQL in blocks


def test_the_next_migrations_findings_stay_visible():
    plan = hostile_plan()
    next_m = next(m for m in plan.migrations if m.name == "20250102_000000_add_score")
    assert next_m.findings, "the next migration needs a finding for this test to mean anything"
    seen = visible_text(md_to_html(render(plan, "markdown", marker=MARKER)))
    for f in next_m.findings:
        assert f.rule in seen and f"line {f.line}" in seen
    assert "20250103_000000_odd" in seen  # and the one after it


def test_identifiers_in_messages_and_lock_tables_render_as_text():
    plan = hostile_plan()
    odd = next(m for m in plan.migrations if m.name == "20250103_000000_odd")
    assert any("<!--" in f.message for f in odd.findings), "the identifier must reach a finding message"
    markdown = render(plan, "markdown", marker=MARKER)
    rendered = md_to_html(markdown)
    assert only_rule_links(rendered) and "<em>b</em>" not in rendered
    assert all(e.startswith(("No locks", "SQL omitted", "…")) for e in re.findall(r"<em>(.*?)</em>", rendered))
    seen = visible_text(rendered)
    for f in odd.findings:
        assert " ".join(f.message.split()) in " ".join(seen.split())
    # The lock table rows keep their four cells despite the pipe in the table name.
    for row in re.findall(r"<tr>(.*?)</tr>", rendered, flags=re.S):
        assert row.count("<td") in (0, 4, 5)


@pytest.mark.parametrize("name", [
    "20250101_000000_tick`s",
    "20250101_000000_pipe|<!--x",
    "20250101_000000_</code></summary><h1>x</h1>",
    "``20250101_000000_ticks``",
])
def test_file_names_stay_inside_their_code_spans(name):
    plan = hostile_plan(name=name, path=f"migrations/{name}.sql")
    markdown = render(plan, "markdown", marker=MARKER)
    rendered = md_to_html(markdown)
    assert re.findall(r"<h\d", rendered) == ["<h3"]
    assert rendered.count("<!--") == 1
    codes = [html.unescape(c) for c in re.findall(r"<code>(.*?)</code>", rendered, flags=re.S)]
    assert name in codes  # the <summary> and the summary table show the name, whole and literal
    assert f"migrations/{name}.sql" in codes
    # The summary table still has one row per migration, five cells each.
    table = re.search(r"<table>.*?</table>", rendered, flags=re.S).group(0)
    rows = re.findall(r"<tr>(.*?)</tr>", table, flags=re.S)[1:]
    assert len(rows) == 3 and all(r.count("<td") == 5 for r in rows)


def test_newlines_in_a_file_name_start_no_block():
    name = "20250101_000000_x\n## " + INJECTED + "\n<!--"
    rendered = md_to_html(render(hostile_plan(name=name, path="migrations/x.sql"), "markdown", marker=MARKER))
    assert re.findall(r"<h\d", rendered) == ["<h3"] and rendered.count("<!--") == 1


def parse_annotation(line: str) -> tuple[str, dict[str, str], str]:
    """The runner's parser: `::cmd k=v,k=v::message`, then unescape (actions/runner ActionCommand)."""
    m = re.fullmatch(r"::(\w+)(?: ([^:]*))?::(.*)", line)
    assert m, line

    def unescape(s: str) -> str:
        for a, b in (("%0D", "\r"), ("%0A", "\n"), ("%3A", ":"), ("%2C", ","), ("%25", "%")):
            s = s.replace(a, b)
        return s

    props = dict(p.split("=", 1) for p in (m.group(2) or "").split(",") if p)
    return m.group(1), {k: unescape(v) for k, v in props.items()}, unescape(m.group(3))


def test_annotations_keep_hostile_paths_and_messages_in_their_command():
    path = "migrations/a,line=1::error file=x%0A::pwned\n::error::injected.sql"
    plan = build_plan([PendingMigration("20250101_000000_a", path, ODD_SQL, None, None)],
                      environment="production", source="files")
    out = render(plan, "github").splitlines()
    assert len(out) == len(plan.findings) and plan.findings
    for line, f in zip(out, plan.findings, strict=True):
        cmd, props, message = parse_annotation(line)
        assert cmd == f.severity and props["file"] == path and props["line"] == str(f.line)
        assert message.startswith(f.message)


def test_workflow_command_escaping_matches_the_runner():
    assert escape_data("50%\r\nx") == "50%25%0D%0Ax"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_the_terminal_report_carries_no_escape_sequence():
    table = '"t\x1b]8;;https://evil.example\x07x\x1b[2J"'
    sql = f"BEGIN;\nALTER TABLE {table} ADD COLUMN d float8 DEFAULT random();\nCOMMIT;\n"
    plan = build_plan([PendingMigration("20250101_000000_a\x1b[31m", "migrations/a.sql", sql, None, None)],
                      environment="production", source="files")
    assert any("\x1b" in f.message for f in plan.findings)
    out = render(plan, "text")
    assert "\x1b" not in out and "\x07" not in out
    assert "20250101_000000_a?[31m" in out
