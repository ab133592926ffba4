"""One pull-request comment per purpose, found again by a hidden marker and edited in place."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import msgspec

from toolkit.errors import ToolkitError
from toolkit.github.client import api_errors, github_client, split_repo

if TYPE_CHECKING:
    from github import Github

# GitHub refuses issue comments longer than this (characters).
COMMENT_LIMIT = 65536
PERMISSION = "pull-requests: write"

_MARKER = re.compile(r"<!-- [A-Za-z0-9_.:/@-]+ -->")


class CommentResult(msgspec.Struct, frozen=True):
    id: int
    url: str
    created: bool


def plan_marker(environment: str, kind: str = "plan") -> str:
    """`<!-- migrate-action:plan:<env> -->`: invisible in the rendered comment, unique per env and kind."""
    marker = f"<!-- migrate-action:{kind}:{environment} -->"
    if not _MARKER.fullmatch(marker):
        raise ToolkitError(f"cannot build a comment marker from environment {environment!r}", exit_code=2)
    return marker


def _carries(body: str | None, marker: str) -> bool:
    # The marker must open the comment: someone quoting our comment ("> <!-- ... -->") or mentioning
    # the marker in a reply must not have their comment overwritten.
    return bool(body) and body.lstrip().startswith(marker)


def upsert_comment(repo: str, pr_number: int, marker: str, body: str, *, gh: Github | None = None) -> CommentResult:
    if not _MARKER.fullmatch(marker):
        raise ToolkitError(f"invalid comment marker {marker!r}: expected an HTML comment like "
                           "<!-- migrate-action:plan:dev -->", exit_code=2)
    if not _carries(body, marker):
        body = f"{marker}\n{body}"
    if len(body) > COMMENT_LIMIT:
        raise ToolkitError(f"comment body is {len(body)} characters; GitHub's limit is {COMMENT_LIMIT}")
    split_repo(repo)
    gh = gh or github_client()
    issue = gh.get_repo(repo).get_issue(int(pr_number))

    with api_errors(f"list the comments of pull request #{pr_number}", permission=PERMISSION, repo=repo):
        # PaginatedList follows the Link headers, so a marker on any page is found.
        existing = next((c for c in issue.get_comments() if _carries(c.body, marker)), None)

    if existing is None:
        with api_errors(f"comment on pull request #{pr_number}", permission=PERMISSION, repo=repo):
            comment = issue.create_comment(body)
        return CommentResult(id=comment.id, url=comment.html_url, created=True)

    if existing.body != body:  # an identical body needs no edit (and sends no notification)
        with api_errors(f"update comment {existing.id} on pull request #{pr_number}", permission=PERMISSION,
                        repo=repo):
            existing.edit(body)
    return CommentResult(id=existing.id, url=existing.html_url, created=False)
