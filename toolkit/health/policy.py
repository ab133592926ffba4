"""When a health check passes or fails: a pure decision over the measurements taken so far.

The semantics follow Argo Rollouts' analysis runs, which many teams already know:

- `initial_delay_s` before the first measurement, then one measurement every `interval_s`;
- `count` measurements at most (0 = until the deadline);
- a measurement is Successful, Failed (the service answered wrongly: bad status, body mismatch)
  or Error (no answer: timeout, refused connection, DNS). An error is "not yet a failure";
- the check Fails when failures exceed `failure_limit`, and Errors when consecutive errors exceed
  `consecutive_error_limit` (an error followed by an answer resets the run of errors);
- it passes after `successes` consecutive successful measurements (an error or failure breaks it).

On top of that, errors are retried sooner than `interval_s` with exponential backoff and jitter
(starting at `backoff_base_s`, doubling, capped at `backoff_max_s`), and the whole check has an
overall `deadline_s`: a measurement that could not finish before it is not started.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from typing import Literal

import msgspec

from toolkit.errors import UsageError

Phase = Literal["Successful", "Failed", "Error"]
SUCCESSFUL: Phase = "Successful"
FAILED: Phase = "Failed"
ERROR: Phase = "Error"


class Policy(msgspec.Struct, frozen=True):
    initial_delay_s: float = 0.0
    interval_s: float = 5.0
    count: int = 0  # 0: no limit but the deadline
    failure_limit: int = 2
    consecutive_error_limit: int = 4  # Argo's default; the action's `health-check-retries`
    successes: int = 3  # consecutive successful measurements required to pass
    timeout_s: float = 10.0  # per try
    deadline_s: float = 120.0  # the whole check, initial delay included
    backoff_base_s: float = 1.0
    backoff_max_s: float = 30.0
    jitter: float = 0.5  # fraction of a backoff delay that is random: d * (1 - jitter * U[0,1))

    def __post_init__(self) -> None:
        checks = [
            (self.initial_delay_s >= 0, "initial delay must be >= 0"),
            (self.interval_s >= 0, "interval must be >= 0"),
            (self.count >= 0, "count must be >= 0"),
            (self.failure_limit >= 0, "failure limit must be >= 0"),
            (self.consecutive_error_limit >= 0, "consecutive error limit must be >= 0"),
            (self.successes >= 1, "required consecutive successes must be >= 1"),
            (self.timeout_s > 0, "per-try timeout must be > 0"),
            (self.deadline_s > 0, "deadline must be > 0"),
            (self.backoff_base_s >= 0 and self.backoff_max_s >= 0, "backoff must be >= 0"),
            (0 <= self.jitter <= 1, "jitter must be between 0 and 1"),
        ]
        for ok, message in checks:
            if not ok:
                raise UsageError(f"health check: {message}")
        if self.count and self.count < self.successes:
            raise UsageError(f"health check: count ({self.count}) is less than the required "
                             f"consecutive successes ({self.successes}), so it could never pass")


class Measurement(msgspec.Struct, frozen=True):
    check: str  # the check's name (its URL without credentials, or "sql")
    number: int  # 1-based
    phase: Phase
    started_s: float  # seconds since the check started
    elapsed_ms: float
    message: str  # "HTTP 200", "timed out after 2 s", "connection refused", ...
    status: int | None = None

    def to_dict(self) -> dict:
        return {"check": self.check, "number": self.number, "phase": self.phase,
                "started_s": round(self.started_s, 3), "elapsed_ms": round(self.elapsed_ms, 1),
                "status": self.status, "message": self.message}


class Verdict(msgspec.Struct, frozen=True):
    phase: Phase
    reason: str


class Tally(msgspec.Struct, frozen=True):
    failures: int
    errors: int
    consecutive_errors: int
    consecutive_successes: int


def tally(measurements: Sequence[Measurement]) -> Tally:
    failures = sum(1 for m in measurements if m.phase == FAILED)
    errors = sum(1 for m in measurements if m.phase == ERROR)
    run_errors = run_successes = 0
    for m in reversed(measurements):
        if m.phase != ERROR:
            break
        run_errors += 1
    for m in reversed(measurements):
        if m.phase != SUCCESSFUL:
            break
        run_successes += 1
    return Tally(failures, errors, run_errors, run_successes)


def verdict(policy: Policy, measurements: Sequence[Measurement]) -> Verdict | None:
    """The outcome if the measurements settle it, else None (take another one)."""
    t = tally(measurements)
    n = len(measurements)
    if t.consecutive_successes >= policy.successes:
        return Verdict(SUCCESSFUL, f"{t.consecutive_successes} consecutive successful measurements")
    if t.failures > policy.failure_limit:
        return Verdict(FAILED, f"{t.failures} failed measurements, more than the failure limit "
                               f"({policy.failure_limit}); last: {measurements[-1].message}")
    if t.consecutive_errors > policy.consecutive_error_limit:
        return Verdict(ERROR, f"{t.consecutive_errors} consecutive errors, more than the limit "
                              f"({policy.consecutive_error_limit}); last: {measurements[-1].message}")
    if policy.count and n >= policy.count:
        return Verdict(FAILED, f"inconclusive: {n} measurements (the count) without {policy.successes} "
                               f"consecutive successes; last: {measurements[-1].message}")
    return None


def next_delay(policy: Policy, measurements: Sequence[Measurement], rand: float) -> float:
    """Seconds to wait before the next measurement; `rand` in [0, 1) makes the jitter."""
    if not measurements:
        return policy.initial_delay_s
    run_errors = tally(measurements).consecutive_errors
    if run_errors == 0:
        return policy.interval_s
    # Errors (no answer) are retried sooner than the interval at first, then less and less often, so a
    # service that is restarting is caught as soon as it is back but a dead one is not hammered.
    # The jitter keeps several runners checking one service from retrying in lockstep.
    delay = min(policy.backoff_base_s * 2 ** (run_errors - 1), policy.backoff_max_s)
    return delay * (1 - policy.jitter * rand)


def decide(policy: Policy, measurements: Sequence[Measurement], elapsed_s: float,
           rand: float | None = None) -> Verdict | float:
    """Either the verdict, or how long to wait before the next measurement.

    A measurement that would start after the deadline is not taken: the check fails with what it has.
    """
    settled = verdict(policy, measurements)
    if settled is not None:
        return settled
    delay = next_delay(policy, measurements, random.random() if rand is None else rand)
    if elapsed_s + delay >= policy.deadline_s:
        last = f"; last: {measurements[-1].message}" if measurements else ""
        t = tally(measurements)
        return Verdict(FAILED, f"deadline of {policy.deadline_s:g} s reached after {len(measurements)} "
                               f"measurements ({t.consecutive_successes} of {policy.successes} consecutive "
                               f"successes){last}")
    return delay


# -- parsing user input ------------------------------------------------------------------------

_RANGE = re.compile(r"^\s*(\d{3})\s*(?:-\s*(\d{3})\s*)?$")


def parse_status_codes(spec: str) -> frozenset[int]:
    """`200`, `200,204`, `200-299`, `2xx` -> the set of accepted status codes."""
    codes: set[int] = set()
    for part in re.split(r"[,\s]+", spec.strip()):
        if not part:
            continue
        m = re.fullmatch(r"([1-5])xx", part.lower())
        if m:
            base = int(m.group(1)) * 100
            codes.update(range(base, base + 100))
            continue
        m = _RANGE.match(part)
        if not m:
            raise UsageError(f"health check: invalid expected status '{part}'",
                             hint="use codes and ranges such as 200, 200-299, 2xx or 200,204")
        lo = int(m.group(1))
        hi = int(m.group(2) or lo)
        if not (100 <= lo <= hi <= 599):
            raise UsageError(f"health check: invalid expected status '{part}'",
                             hint="status codes are between 100 and 599; ranges go low-high")
        codes.update(range(lo, hi + 1))
    if not codes:
        raise UsageError("health check: no expected status codes given", hint="for example: 200-299")
    return frozenset(codes)


def describe_codes(codes: frozenset[int]) -> str:
    """200-299 style, for messages."""
    ordered = sorted(codes)
    parts: list[str] = []
    start = prev = ordered[0]
    for c in ordered[1:] + [None]:  # type: ignore[list-item]
        if c is not None and c == prev + 1:
            prev = c
            continue
        parts.append(str(start) if start == prev else f"{start}-{prev}")
        if c is not None:
            start = prev = c
    return ",".join(parts)
