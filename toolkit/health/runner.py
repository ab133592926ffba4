"""Run health checks: each check is its own analysis (as in Argo Rollouts), all under one deadline.

The loop only measures and sleeps; `policy.decide` says when to stop. Checks run in threads so
that one slow URL does not eat the others' share of the deadline; the first check that fails stops
the rest (the verdict is already known).
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Protocol
from urllib.parse import urlsplit

import msgspec

from toolkit.errors import UsageError
from toolkit.health.policy import FAILED, SUCCESSFUL, Measurement, Policy, Verdict, decide
from toolkit.health.probes import HttpCheck, Outcome


class Check(Protocol):
    @property
    def name(self) -> str: ...

    def probe(self, timeout_s: float) -> Outcome: ...


class CheckResult(msgspec.Struct, frozen=True):
    name: str
    phase: str
    reason: str
    measurements: tuple[Measurement, ...]

    @property
    def ok(self) -> bool:
        return self.phase == SUCCESSFUL

    def to_dict(self) -> dict:
        return {"check": self.name, "phase": self.phase, "reason": self.reason,
                "measurements": [m.to_dict() for m in self.measurements]}


class HealthResult(msgspec.Struct, frozen=True):
    checks: tuple[CheckResult, ...]
    elapsed_s: float
    policy: Policy = msgspec.field(default_factory=Policy)

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    @property
    def reason(self) -> str:
        bad = [c for c in self.checks if not c.ok]
        if not bad:
            return f"{len(self.checks)} check(s) healthy"
        return "; ".join(f"{c.name}: {c.reason}" for c in bad)

    def to_dict(self) -> dict:
        return {"ok": self.ok, "reason": self.reason, "elapsed_s": round(self.elapsed_s, 3),
                "checks": [c.to_dict() for c in self.checks]}


def http_check(url: str, expected: frozenset[int] | None = None, body_match: str | None = None) -> HttpCheck:
    """An HttpCheck for a user-given URL; only http and https are accepted."""
    # Never echo user:password@ or the query (tokens live there), even of a URL that does not parse.
    shown = re.sub(r"//[^/@]*@", "//", url.strip()).split("?")[0].split("#")[0][:80]
    try:
        parts = urlsplit(url.strip())
        parts.port  # noqa: B018 (a non-numeric or out-of-range port raises here, not at the first probe)
    except ValueError as exc:
        raise UsageError(f"health check URL is malformed ({exc}): {shown!r}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise UsageError(f"health check URL must be http:// or https:// with a host: {shown!r}")
    if body_match:
        try:
            re.compile(body_match)
        except re.error as exc:
            raise UsageError(f"health check: invalid body match /{body_match}/: {exc}") from None
    return HttpCheck(url.strip(), expected or frozenset(range(200, 300)), body_match or None)


def run_check(check: Check, policy: Policy, *, start: float, stop: threading.Event | None = None,
              clock: Callable[[], float] = time.monotonic,
              sleep: Callable[[float], object] | None = None,
              rng: Callable[[], float] = random.random) -> CheckResult:
    """Measure one check until the policy settles it. `start` is the shared clock origin."""
    stop = stop or threading.Event()
    wait = sleep or stop.wait  # stop.wait returns early when another check has failed
    measurements: list[Measurement] = []
    while True:
        elapsed = clock() - start
        step = decide(policy, measurements, elapsed, rng())
        if isinstance(step, Verdict):
            return CheckResult(check.name, step.phase, step.reason, tuple(measurements))
        wait(step)
        if stop.is_set():
            return CheckResult(check.name, "Cancelled", "stopped: another check failed", tuple(measurements))
        started = clock() - start
        # Never let one try run past the deadline.
        timeout = max(0.05, min(policy.timeout_s, policy.deadline_s - started))
        t0 = clock()
        outcome = check.probe(timeout)
        elapsed_ms = (clock() - t0) * 1000
        measurements.append(Measurement(check.name, len(measurements) + 1, outcome.phase, started,
                                        elapsed_ms, outcome.message, outcome.status))


def run_health_checks(checks: Sequence[Check], policy: Policy, *,
                      on_measurement: Callable[[Measurement], None] | None = None,
                      clock: Callable[[], float] = time.monotonic) -> HealthResult:
    """Run every check concurrently under the policy; the result lists every measurement."""
    if not checks:
        raise UsageError("no health checks given", hint="pass --url (one or more) and/or --sql")
    start = clock()
    stop = threading.Event()

    def one(check: Check) -> CheckResult:
        if on_measurement is not None:
            check = _Observed(check, on_measurement, start, clock)
        result = run_check(check, policy, start=start, stop=stop, clock=clock)
        if result.phase not in (SUCCESSFUL, "Cancelled"):
            stop.set()
        return result

    if len(checks) == 1:
        results = [one(checks[0])]
    else:
        with ThreadPoolExecutor(max_workers=min(8, len(checks)), thread_name_prefix="health") as pool:
            results = list(pool.map(one, checks))
    # A check cancelled because another failed has no verdict of its own; report it as failed.
    results = [r if r.phase != "Cancelled" else CheckResult(r.name, FAILED, r.reason, r.measurements)
               for r in results]
    return HealthResult(tuple(results), clock() - start, policy)


class _Observed:
    """A check whose every outcome is also reported as it happens (progress lines)."""

    def __init__(self, check: Check, callback: Callable[[Measurement], None], start: float,
                 clock: Callable[[], float]) -> None:
        self._check, self._callback, self._start, self._clock = check, callback, start, clock
        self._n = 0

    @property
    def name(self) -> str:
        return self._check.name

    def probe(self, timeout_s: float) -> Outcome:
        t0 = self._clock()
        outcome = self._check.probe(timeout_s)
        self._n += 1
        self._callback(Measurement(self.name, self._n, outcome.phase, t0 - self._start,
                                   (self._clock() - t0) * 1000, outcome.message, outcome.status))
        return outcome
