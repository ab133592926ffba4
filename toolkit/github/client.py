"""A PyGithub client set up for a CI job, and the mapping of API failures to one-line errors.

- Token: explicit, else GITHUB_TOKEN, else GH_TOKEN. It only ever goes into the Authorization header;
  no message built here contains it.
- Base URL: GITHUB_API_URL (set by the runner; on GitHub Enterprise Server it is
  https://HOST/api/v3), so the same code works on github.com and Enterprise.
- Retries: PyGithub's GithubRetry (it reads GitHub's rate-limit signals: Retry-After,
  X-RateLimit-Reset, the "secondary rate limit" message) on top of urllib3's Retry, capped so a job
  never sleeps longer than `max_rate_limit_wait`; 5xx and read errors are retried only for methods
  that are safe to repeat, because a POST that reached GitHub may have been done already (a second
  comment, a second workflow dispatch).
- Short timeouts; no client-side throttling (we make a handful of requests per run; GitHub's
  secondary limits are handled by the retry).
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import requests
from github import Auth, Github, GithubException, GithubRetry
from github.GithubException import RateLimitExceededExceedsMaxWait
from github.Requester import Requester

from toolkit import __version__ as _version
from toolkit.errors import ToolkitError

DEFAULT_API_URL = "https://api.github.com"


class _Retry(GithubRetry):
    """GithubRetry that never repeats a POST the server may have carried out, and caps Retry-After."""

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if (method or "").upper() == "POST" and status_code >= 500:
            return False
        return super().is_retry(method, status_code, has_retry_after)

    def increment(self, method=None, url=None, response=None, error=None, _pool=None, _stacktrace=None):
        if error is not None and self._is_read_error(error) and (method or "").upper() == "POST":
            method = None  # urllib3 re-raises read errors for method None: the POST may have landed
        return super().increment(method, url, response, error, _pool, _stacktrace)

    def get_retry_after(self, response) -> float | None:
        wait = super().get_retry_after(response)
        if wait is not None and self.max_rate_limit_wait is not None and wait > self.max_rate_limit_wait:
            raise RateLimitExceededExceedsMaxWait(response.status, {"message": "Retry-After exceeds the wait cap"},
                                                  dict(response.headers), wait=wait)
        return wait


def resolve_token(token: str | None = None) -> str:
    token = token or os.environ.get("GITHUB_TOKEN") or os.environ.get("GH_TOKEN")
    if not token:
        raise ToolkitError(
            "no GitHub token: set GITHUB_TOKEN",
            hint="in a workflow: `env: GITHUB_TOKEN: ${{ github.token }}` (or the action's `github-token` input)",
            exit_code=2,
        )
    return token


def github_client(token: str | None = None, *, api_url: str | None = None, timeout: float = 10,
                  retries: int = 3, max_rate_limit_wait: float = 60, backoff_factor: float = 0.5) -> Github:
    """A PyGithub client for GITHUB_API_URL with GITHUB_TOKEN; lazy, so no request is made until used."""
    base_url = (api_url or os.environ.get("GITHUB_API_URL") or DEFAULT_API_URL).rstrip("/")
    retry = _Retry(
        total=retries,
        backoff_factor=backoff_factor,
        status_forcelist=[429, *range(500, 600)],
        allowed_methods=frozenset({"GET", "HEAD", "OPTIONS", "PUT", "PATCH", "DELETE", "POST"}),
        raise_on_status=False,  # hand the last response to PyGithub: its status and message are clearer
        secondary_rate_wait=min(60, max_rate_limit_wait),
        max_rate_limit_wait=max_rate_limit_wait,
    )
    return Github(
        auth=Auth.Token(resolve_token(token)),
        base_url=base_url,
        timeout=int(max(1, timeout)),
        user_agent=f"migrate-action/{_version}",
        per_page=100,
        retry=retry,
        seconds_between_requests=None,
        seconds_between_writes=None,
        lazy=True,
    )


def _message(exc: GithubException) -> str:
    data = exc.data
    msg = ""
    if isinstance(data, dict):
        msg = str(data.get("message") or "")
        details = [e.get("message") or f"{e.get('field')} {e.get('code')}".strip()
                   for e in data.get("errors") or [] if isinstance(e, dict)]
        details = [d for d in details if d]
        if details:
            msg = f"{msg}: {'; '.join(details)}" if msg else "; ".join(details)
    elif isinstance(data, str):
        msg = data.strip().splitlines()[0] if data.strip() else ""
    return " ".join(msg.split())[:300]


def _reset_phrase(headers: dict[str, Any] | None) -> str:
    headers = {k.lower(): v for k, v in (headers or {}).items()}
    retry_after = headers.get("retry-after")
    if retry_after:  # a secondary limit: its own wait, whatever the hourly quota says
        return f"; GitHub asks to retry after {retry_after} s"
    reset = headers.get("x-ratelimit-reset")
    if reset and str(reset).isdigit() and headers.get("x-ratelimit-remaining") == "0":
        at = datetime.fromtimestamp(int(reset), UTC)
        minutes = max(0, round((int(reset) - time.time()) / 60))
        return f"; it resets at {at:%H:%M} UTC (in {minutes} min)"
    return ""


def map_github_exception(exc: GithubException, action: str, *, permission: str | None = None,
                         repo: str | None = None) -> ToolkitError:
    """One line for a failed API call: what we tried, GitHub's status and message, what to fix."""
    status = exc.status
    message = _message(exc)
    where = f" on {repo}" if repo else ""
    said = f"{status} {message}".strip()
    headers = exc.headers or {}
    lowered = {k.lower(): v for k, v in headers.items()}
    rate_limited = (isinstance(exc, RateLimitExceededExceedsMaxWait)
                    or status == 429
                    or (status == 403 and (Requester.isRateLimitError(message)
                                           or lowered.get("x-ratelimit-remaining") == "0")))
    if rate_limited:
        return ToolkitError(f"GitHub API rate limit hit while trying to {action}{where}{_reset_phrase(headers)}",
                            hint="retried already; re-run the job later, or use a token with a higher limit")
    if status == 401:
        return ToolkitError(f"GitHub rejected the token while trying to {action}{where} ({said})",
                            hint="check GITHUB_TOKEN / the action's github-token input: it is missing, "
                                 "expired or for another server")
    need = f": the token needs `{permission}`" if permission else ""
    perm_hint = f"add `{permission}` under `permissions:` in the workflow or job" if permission else None
    if status == 403:
        return ToolkitError(f"GitHub refused to {action}{where} ({said}){need}", hint=perm_hint)
    if status == 404:
        return ToolkitError(
            f"GitHub answered 404 when trying to {action}{where} ({message or 'Not Found'}): it does not exist, "
            f"or the token cannot see it{' (needs `' + permission + '`)' if permission else ''}",
            hint=perm_hint)
    if status == 422:
        return ToolkitError(f"GitHub did not accept the request to {action}{where} ({said})")
    if status >= 500:
        return ToolkitError(f"GitHub API error while trying to {action}{where} ({said}), after retries",
                            hint="GitHub may be having an incident; re-run the job")
    return ToolkitError(f"GitHub API call failed while trying to {action}{where} ({said})")


@contextmanager
def api_errors(action: str, *, permission: str | None = None, repo: str | None = None) -> Iterator[None]:
    """Turn GitHub API and network failures inside the block into one-line ToolkitErrors."""
    try:
        yield
    except GithubException as exc:
        raise map_github_exception(exc, action, permission=permission, repo=repo) from None
    except requests.exceptions.Timeout:
        raise ToolkitError(f"GitHub API timed out while trying to {action}",
                           hint="check GITHUB_API_URL and the runner's network") from None
    except requests.exceptions.RequestException as exc:
        reason = type(exc).__name__
        raise ToolkitError(f"cannot reach the GitHub API to {action} ({reason})",
                           hint="check GITHUB_API_URL and the runner's network") from None


def split_repo(repo: str) -> tuple[str, str]:
    owner, sep, name = repo.partition("/")
    if not sep or not owner or not name or "/" in name:
        raise ToolkitError(f"invalid repository {repo!r}: expected owner/name", exit_code=2)
    return owner, name
