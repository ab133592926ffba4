"""The decision over measurements (pure): Argo Rollouts semantics, backoff, deadline, status parsing."""

from __future__ import annotations

import pytest

from toolkit.errors import UsageError
from toolkit.health.policy import (
    ERROR,
    FAILED,
    SUCCESSFUL,
    Measurement,
    Policy,
    Verdict,
    decide,
    describe_codes,
    next_delay,
    parse_status_codes,
    verdict,
)


def ms(*phases: str) -> list[Measurement]:
    return [Measurement("u", i + 1, p, float(i), 1.0, p.lower()) for i, p in enumerate(phases)]


S, F, E = SUCCESSFUL, FAILED, ERROR


def test_passes_only_after_the_required_consecutive_successes():
    p = Policy(successes=3, failure_limit=5)
    assert verdict(p, ms(S, S)) is None
    assert verdict(p, ms(S, S, S)).phase == SUCCESSFUL
    # a failure or an error in between restarts the run of successes
    assert verdict(p, ms(S, S, F, S, S)) is None
    assert verdict(p, ms(S, S, E, S, S)) is None
    assert verdict(p, ms(S, F, S, S, S)).phase == SUCCESSFUL


def test_fails_when_failures_exceed_the_failure_limit():
    p = Policy(successes=3, failure_limit=1)
    assert verdict(p, ms(F)) is None
    v = verdict(p, ms(F, S, F))
    assert v.phase == FAILED and "2 failed measurements" in v.reason and "limit (1)" in v.reason
    assert verdict(Policy(failure_limit=0), ms(F)).phase == FAILED


def test_errors_are_not_failures_until_the_consecutive_error_limit():
    p = Policy(successes=1, failure_limit=0, consecutive_error_limit=2)
    assert verdict(p, ms(E, E)) is None  # refused twice: not yet failed
    assert verdict(p, ms(E, E, S)).phase == SUCCESSFUL  # the service came back
    v = verdict(p, ms(E, E, E))
    assert v.phase == ERROR and "3 consecutive errors" in v.reason
    # an answer in between resets the run of errors (Argo's consecutiveErrorLimit)
    p2 = Policy(successes=5, failure_limit=9, consecutive_error_limit=2)
    assert verdict(p2, ms(E, E, S, E, E)) is None


def test_count_bounds_the_measurements_and_is_inconclusive_without_enough_successes():
    p = Policy(count=4, successes=2, failure_limit=9)
    assert verdict(p, ms(S, F, S)) is None
    v = verdict(p, ms(S, F, S, F))
    assert v.phase == FAILED and v.reason.startswith("inconclusive: 4 measurements")


def test_count_smaller_than_successes_is_refused():
    with pytest.raises(UsageError, match="could never pass"):
        Policy(count=2, successes=3)


@pytest.mark.parametrize("field,value", [("successes", 0), ("timeout_s", 0), ("deadline_s", -1),
                                         ("interval_s", -1), ("jitter", 2)])
def test_invalid_policy_values_are_refused(field, value):
    with pytest.raises(UsageError):
        Policy(**{field: value})


def test_delays_initial_then_interval_then_exponential_backoff_with_jitter():
    p = Policy(initial_delay_s=7, interval_s=5, backoff_base_s=1, backoff_max_s=6, jitter=0.5)
    assert next_delay(p, [], 0.9) == 7
    assert next_delay(p, ms(S), 0.9) == 5
    assert next_delay(p, ms(F), 0.9) == 5  # a failure is an answer: regular interval
    # errors: 1, 2, 4, 6 (capped) seconds, minus up to 50 % jitter
    assert [next_delay(p, ms(*[E] * k), 0.0) for k in (1, 2, 3, 4, 5)] == [1, 2, 4, 6, 6]
    assert next_delay(p, ms(E, E), 0.5) == pytest.approx(1.5)
    assert next_delay(p, ms(E, E, S), 0.0) == 5  # the run of errors is over


def test_decide_stops_at_the_deadline_instead_of_starting_a_late_measurement():
    p = Policy(interval_s=5, deadline_s=12, successes=3, failure_limit=9)
    assert decide(p, ms(S), elapsed_s=1.0, rand=0) == 5
    v = decide(p, ms(S, S), elapsed_s=8.0, rand=0)
    assert isinstance(v, Verdict) and v.phase == FAILED
    assert "deadline of 12 s" in v.reason and "2 of 3 consecutive successes" in v.reason
    # a settled verdict wins over the deadline
    assert decide(p, ms(S, S, S), elapsed_s=100, rand=0).phase == SUCCESSFUL


@pytest.mark.parametrize("spec,expected", [
    ("200", {200}), ("200,204", {200, 204}), ("200-202", {200, 201, 202}), ("2xx", set(range(200, 300))),
    (" 200 , 301-302 ", {200, 301, 302}),
])
def test_parse_status_codes(spec, expected):
    assert parse_status_codes(spec) == expected


@pytest.mark.parametrize("bad", ["", "abc", "2000", "299-200", "600", "20x"])
def test_parse_status_codes_refuses_nonsense(bad):
    with pytest.raises(UsageError):
        parse_status_codes(bad)


def test_describe_codes_compacts_ranges():
    assert describe_codes(frozenset({200, 201, 202, 204, 301})) == "200-202,204,301"
