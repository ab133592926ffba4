"""`health-check` on the command line: exit codes, formats, one-line errors."""

from __future__ import annotations

import json

FAST = ["--interval", "0.02", "--timeout", "1", "--deadline", "5", "--successes", "2"]


def test_healthy_exits_zero_and_lists_measurements(run_cli, health_app):
    r = run_cli("health-check", "--url", health_app.url, *FAST, "--format", "json")
    assert r.returncode == 0, r.stderr
    data = json.loads(r.stdout)
    assert data["ok"] and [m["status"] for m in data["checks"][0]["measurements"]] == [200, 200]


def test_unhealthy_exits_one_with_one_line(run_cli, health_app):
    health_app.set(status=502)
    r = run_cli("health-check", "--url", health_app.url, *FAST, "--failure-limit", "0")
    assert r.returncode == 1
    assert "error: unhealthy: " in r.stderr and "HTTP 502" in r.stderr
    assert "Traceback" not in r.stderr
    assert "Failed" in r.stdout


def test_urls_may_be_space_separated_and_sql_checks_the_database(run_cli, health_app, db_url):
    r = run_cli("health-check", "--url", f"{health_app.url} {health_app.url}?second", "--sql", "SELECT 1",
                "--database-url", db_url, *FAST, "--format", "json")
    assert r.returncode == 0, r.stderr
    assert len(json.loads(r.stdout)["checks"]) == 3


def test_usage_errors(run_cli):
    assert run_cli("health-check").returncode == 2
    r = run_cli("health-check", "--sql", "SELECT 1")
    assert r.returncode == 2 and "--sql needs --env" in r.stderr
    r = run_cli("health-check", "--url", "http://127.0.0.1:1/", "--expected-status", "abc")
    assert r.returncode == 2 and "invalid expected status" in r.stderr
    r = run_cli("health-check", "--url", "http://127.0.0.1:1/", "--count", "1", "--successes", "3")
    assert r.returncode == 2 and "could never pass" in r.stderr
