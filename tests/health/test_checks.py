"""Real HTTP/SQL probes against a local app and PostgreSQL, and the runner end to end."""

from __future__ import annotations

import time

import pytest

from toolkit.errors import UsageError
from toolkit.health import ERROR, FAILED, SUCCESSFUL, Policy, SqlCheck, http_check, run_health_checks
from toolkit.health.report import render_markdown, render_text
from toolkit.localdev.postgres import free_port

FAST = dict(interval_s=0.02, backoff_base_s=0.02, backoff_max_s=0.05, timeout_s=1.0, deadline_s=5.0)


def test_probe_phases(health_app):
    check = http_check(health_app.url)
    assert check.probe(1).phase == SUCCESSFUL
    health_app.set(status=503)
    out = check.probe(1)
    assert (out.phase, out.status) == (FAILED, 503) and "expected 200-299" in out.message
    health_app.set(status=200, delay_s=0.5)
    out = check.probe(0.1)
    assert out.phase == ERROR and "timed out" in out.message
    health_app.set(delay_s=0)
    health_app.refuse()
    out = check.probe(1)
    assert out.phase == ERROR and out.message == "connection refused"


def test_expected_status_and_body_match(health_app):
    health_app.set(status=204, body="")
    assert http_check(health_app.url).probe(1).phase == SUCCESSFUL
    assert http_check(health_app.url, expected=frozenset({200})).probe(1).phase == FAILED
    health_app.set(status=200, body='{"status": "degraded"}')
    out = http_check(health_app.url, body_match=r'"status":\s*"ok"').probe(1)
    assert out.phase == FAILED and "does not match" in out.message
    health_app.set(body='{"status": "ok"}')
    assert http_check(health_app.url, body_match=r'"status":\s*"ok"').probe(1).phase == SUCCESSFUL


def test_bad_urls_are_refused_before_any_request():
    for url in ("file:///etc/passwd", "ftp://x/", "not a url", "http://"):
        with pytest.raises(UsageError):
            http_check(url)
    with pytest.raises(UsageError, match="invalid body match"):
        http_check("http://127.0.0.1/", body_match="(")


def test_name_hides_credentials_and_query():
    assert http_check("https://u:secret@h.example:8443/health?token=abc").name == "https://h.example:8443/health"


def test_healthy_service_passes_after_consecutive_successes(health_app):
    result = run_health_checks([http_check(health_app.url)], Policy(successes=3, **FAST))
    assert result.ok, result.reason
    assert [m.phase for m in result.checks[0].measurements] == [SUCCESSFUL] * 3
    assert len(health_app.hits) == 3


def test_service_coming_back_after_refusals_and_503_passes(health_app):
    health_app.refuse()
    seen = []

    def on_measurement(m):
        seen.append(m.phase)
        if len(seen) == 2:  # back up, but still warming: two 503s, then healthy
            health_app.script([503])
            health_app.resume()

    result = run_health_checks([http_check(health_app.url)],
                               Policy(successes=2, failure_limit=1, consecutive_error_limit=3, **FAST),
                               on_measurement=on_measurement)
    assert result.ok, result.reason
    phases = [m.phase for m in result.checks[0].measurements]
    assert phases == [ERROR, ERROR, FAILED, SUCCESSFUL, SUCCESSFUL]
    assert seen == phases


def test_failing_service_fails_at_the_failure_limit(health_app):
    health_app.set(status=500)
    result = run_health_checks([http_check(health_app.url)], Policy(failure_limit=2, **FAST))
    assert not result.ok
    c = result.checks[0]
    assert c.phase == FAILED and len(c.measurements) == 3
    assert "HTTP 500" in result.reason


def test_refused_service_errors_after_the_consecutive_error_limit():
    url = f"http://127.0.0.1:{free_port()}/healthz"  # nothing listens there
    result = run_health_checks([http_check(url)], Policy(consecutive_error_limit=2, **FAST))
    c = result.checks[0]
    assert c.phase == ERROR and len(c.measurements) == 3
    assert all(m.message == "connection refused" for m in c.measurements)


def test_slow_service_times_out_and_the_deadline_bounds_the_whole_check(health_app):
    health_app.set(delay_s=0.4)
    policy = Policy(timeout_s=0.1, interval_s=0.05, backoff_base_s=0.05, backoff_max_s=0.1,
                    consecutive_error_limit=100, deadline_s=1.0)
    t0 = time.monotonic()
    result = run_health_checks([http_check(health_app.url)], policy)
    took = time.monotonic() - t0
    assert not result.ok and "deadline of 1 s" in result.reason
    assert took < 1.6
    assert result.checks[0].measurements and all("timed out" in m.message for m in result.checks[0].measurements)


def test_one_failing_url_fails_the_whole_and_stops_the_others(health_app):
    bad = f"http://127.0.0.1:{free_port()}/"
    policy = Policy(successes=1000, failure_limit=0, consecutive_error_limit=0, **{**FAST, "deadline_s": 3})
    t0 = time.monotonic()
    result = run_health_checks([http_check(health_app.url), http_check(bad)], policy)
    assert not result.ok
    assert time.monotonic() - t0 < 2  # the healthy check was stopped, not run to its deadline
    phases = {c.name: c.phase for c in result.checks}
    assert phases[http_check(bad).name] == ERROR


def test_sql_check(db_url, pg):
    assert SqlCheck(db_url).probe(2).phase == SUCCESSFUL
    out = SqlCheck(db_url, "SELECT count(*) > 0 FROM pg_class WHERE relname = 'nope'").probe(2)
    assert out.phase == FAILED and "False" in out.message
    out = SqlCheck(db_url, "SELECT * FROM missing_table").probe(2)
    assert out.phase == FAILED and "missing_table" in out.message
    out = SqlCheck(db_url, "SELECT pg_sleep(2)").probe(0.2)
    assert out.phase == ERROR and "timed out" in out.message
    wrong = pg.url("postgres", password="wrong-password-xyz")
    out = SqlCheck(wrong).probe(2)
    assert out.phase == ERROR and "wrong-password-xyz" not in out.message


def test_reports_list_every_measurement(health_app):
    health_app.script([503])
    result = run_health_checks([http_check(health_app.url)], Policy(successes=2, failure_limit=1, **FAST))
    assert result.ok
    md = render_markdown(result)
    assert md.count("| 1 |") == 1 and "| 3 |" in md and "HTTP 503" in md
    text = render_text(result)
    assert "healthy" in text and text.count("#") == 3
    d = result.to_dict()
    assert [m["status"] for m in d["checks"][0]["measurements"]] == [503, 200, 200]
