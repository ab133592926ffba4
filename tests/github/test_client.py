"""The client: retries on rate limits and 5xx, clear one-line errors, Enterprise base URL, no token leak."""

from __future__ import annotations

import socket
import subprocess
import sys
import time

import pytest

from toolkit.errors import ToolkitError
from toolkit.github.client import github_client
from toolkit.github.comments import plan_marker, upsert_comment

REPO = "octo-org/app"


def test_primary_rate_limit_is_waited_out_then_succeeds(github_api):
    github_api.rate_limit(kind="primary", reset_in=0, times=1, method="GET")
    start = time.monotonic()
    result = upsert_comment(REPO, 7, plan_marker("dev"), "plan")
    assert result.created
    assert [c.status for c in github_api.calls("GET")] == [403, 200]
    assert time.monotonic() - start < 5  # waited until the reset (at most ~1 s), not longer


def test_secondary_rate_limit_honours_retry_after(github_api):
    github_api.rate_limit(kind="secondary", retry_after=1, times=1, method="POST")
    start = time.monotonic()
    upsert_comment(REPO, 7, plan_marker("dev"), "plan")
    assert time.monotonic() - start >= 0.9
    assert [c.status for c in github_api.calls("POST")] == [403, 201]


def test_rate_limit_resetting_too_late_fails_fast_with_the_reset_time(github_api):
    github_api.rate_limit(kind="primary", reset_in=3600, times=None)
    start = time.monotonic()
    with pytest.raises(ToolkitError) as err:
        upsert_comment(REPO, 7, plan_marker("dev"), "plan")
    assert time.monotonic() - start < 5
    assert "rate limit" in err.value.message and "resets at" in err.value.message
    assert "in 60 min" in err.value.message


def test_persistent_rate_limit_is_retried_then_reported(github_api):
    github_api.rate_limit(kind="secondary", retry_after=0, times=None)
    gh = github_client(retries=2, backoff_factor=0)
    with pytest.raises(ToolkitError, match="rate limit hit while trying to list the comments"):
        upsert_comment(REPO, 7, plan_marker("dev"), "plan", gh=gh)
    assert len(github_api.calls("GET")) == 3  # the first try and two retries


def test_server_error_on_a_read_is_retried(github_api):
    github_api.inject(502, method="GET", times=2)
    upsert_comment(REPO, 7, plan_marker("dev"), "plan", gh=github_client(backoff_factor=0))
    assert [c.status for c in github_api.calls("GET")] == [502, 502, 200]


def test_persistent_server_error_is_one_line_after_retries(github_api):
    github_api.inject(500, method="GET", times=None)
    with pytest.raises(ToolkitError) as err:
        upsert_comment(REPO, 7, plan_marker("dev"), "plan", gh=github_client(retries=2, backoff_factor=0))
    assert err.value.message.startswith("GitHub API error while trying to list the comments")
    assert "500" in err.value.message and "after retries" in err.value.message
    assert len(github_api.calls("GET")) == 3


def test_server_error_on_create_is_not_repeated(github_api):
    github_api.inject(500, method="POST")
    with pytest.raises(ToolkitError, match="500"):
        upsert_comment(REPO, 7, plan_marker("dev"), "plan", gh=github_client(backoff_factor=0))
    assert len(github_api.calls("POST")) == 1  # it may have been created: a retry could double it


def test_bad_token_is_named_without_printing_it(github_api, monkeypatch: pytest.MonkeyPatch):
    wrong = "ghs_wrongwrongwrong123"
    monkeypatch.setenv("GITHUB_TOKEN", wrong)
    with pytest.raises(ToolkitError) as err:
        upsert_comment(REPO, 7, plan_marker("dev"), "plan")
    assert "rejected the token" in err.value.message and "401" in err.value.message
    assert wrong not in err.value.message + (err.value.hint or "")
    assert github_api.token not in err.value.message


def test_no_token_is_a_usage_error(monkeypatch: pytest.MonkeyPatch):
    monkeypatch.delenv("GITHUB_TOKEN", raising=False)
    monkeypatch.delenv("GH_TOKEN", raising=False)
    with pytest.raises(ToolkitError, match="no GitHub token") as err:
        github_client()
    assert err.value.exit_code == 2


def test_enterprise_base_url_is_honoured(github_api, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("GITHUB_API_URL", github_api.enterprise_url)
    upsert_comment(REPO, 7, plan_marker("dev"), "plan")
    upsert_comment(REPO, 7, plan_marker("dev"), "plan v2")
    assert github_api.requests and {r.prefix for r in github_api.requests} == {"/api/v3"}


def test_unreachable_api_is_one_line(monkeypatch: pytest.MonkeyPatch):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    monkeypatch.setenv("GITHUB_TOKEN", "x")
    gh = github_client(api_url=f"http://127.0.0.1:{port}", retries=1, backoff_factor=0)
    with pytest.raises(ToolkitError, match="cannot reach the GitHub API"):
        upsert_comment(REPO, 7, plan_marker("dev"), "plan", gh=gh)


def test_subprocess_uses_the_stand_in_through_env_only(github_api):
    code = ("from toolkit.github.comments import upsert_comment, plan_marker;"
            "import os; r = upsert_comment(os.environ['GITHUB_REPOSITORY'], 7, plan_marker('dev'), 'from a subprocess');"
            "print(r.created)")
    out = [subprocess.run([sys.executable, "-c", code], env={**github_api.env, "PATH": "/usr/bin:/bin"},
                          capture_output=True, text=True, timeout=60) for _ in range(2)]
    assert [o.stdout.strip() for o in out] == ["True", "False"], out[0].stderr
    assert len(github_api.comments(7)) == 1


def test_long_retry_after_is_not_slept(github_api):
    github_api.rate_limit(kind="secondary", retry_after=3600, times=None)
    start = time.monotonic()
    with pytest.raises(ToolkitError, match="rate limit") as err:
        upsert_comment(REPO, 7, plan_marker("dev"), "plan")
    assert time.monotonic() - start < 5
    assert "retry after 3600 s" in err.value.message and "resets at" not in err.value.message


def test_dropped_connection_on_a_read_is_retried(github_api):
    github_api.disconnect(method="GET")
    assert upsert_comment(REPO, 7, plan_marker("dev"), "plan", gh=github_client(backoff_factor=0)).created
    assert [c.status for c in github_api.calls("GET")] == [0, 200]
