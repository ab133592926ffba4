"""The story of a deploy or a rollback, step by step with timings: recorded as it happens, rendered
(pure) as the job summary and as terminal text."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import msgspec

from toolkit.console import fmt_ms

OK, FAILED, SKIPPED = "ok", "failed", "skipped"
_ICON = {OK: "✅", FAILED: "❌", SKIPPED: "⏭️"}


class StepRecord(msgspec.Struct):
    key: str  # stable id: deployment, backup, verify, migrate, health, dispatch, rollback, restore
    title: str
    status: str = OK
    detail: str = ""
    ms: float = 0.0


class Story(msgspec.Struct):
    title: str
    steps: list[StepRecord] = msgspec.field(default_factory=list)
    started: float = msgspec.field(default_factory=time.monotonic)
    sections: list[str] = msgspec.field(default_factory=list)  # extra Markdown (health measurements, ...)

    @contextmanager
    def step(self, key: str, title: str) -> Iterator[StepRecord]:
        """Time a step; an exception marks it failed (with its one-line message) and propagates."""
        record = StepRecord(key, title)
        self.steps.append(record)
        t0 = time.monotonic()
        try:
            yield record
        except BaseException as exc:
            record.status = FAILED
            if not record.detail:
                record.detail = getattr(exc, "message", None) or str(exc) or type(exc).__name__
            raise
        finally:
            record.ms = (time.monotonic() - t0) * 1000

    def skip(self, key: str, title: str, why: str) -> None:
        self.steps.append(StepRecord(key, title, SKIPPED, why))

    def failed_step(self) -> StepRecord | None:
        return next((s for s in self.steps if s.status == FAILED), None)

    @property
    def total_ms(self) -> float:
        return (time.monotonic() - self.started) * 1000


def _cell(text: str) -> str:
    """Step details carry untrusted text (error messages, file names): rendered as text, one line."""
    from toolkit.report.markdown import escape_inline

    return escape_inline(" ".join(str(text).split()))


def render_markdown(story: Story, *, outcome: str, facts: list[tuple[str, str]] | None = None) -> str:
    out = [f"## {story.title}", "", f"**{outcome}** in {fmt_ms(story.total_ms)}", ""]
    if facts:
        out += [f"- **{k}:** {v}" for k, v in facts] + [""]
    out += ["| # | step | result | time | detail |", "|---:|---|---|---:|---|"]
    for i, s in enumerate(story.steps, 1):
        took = fmt_ms(s.ms) if s.status != SKIPPED else "–"
        out.append(f"| {i} | {_cell(s.title)} | {_ICON[s.status]} {s.status} | {took} | {_cell(s.detail)} |")
    out.append("")
    for section in story.sections:
        out += [section, ""]
    return "\n".join(out)


def render_text(story: Story, *, outcome: str) -> str:
    width = max((len(s.title) for s in story.steps), default=10)
    lines = [f"{story.title}: {outcome} in {fmt_ms(story.total_ms)}"]
    for i, s in enumerate(story.steps, 1):
        took = fmt_ms(s.ms) if s.status != SKIPPED else "-"
        lines.append(f"  {i}. {s.title:<{width}}  {s.status:<7} {took:>8}  {s.detail}")
    return "\n".join(lines)
