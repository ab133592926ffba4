"""One plan comment per environment: created once, then edited in place, found on any page."""

from __future__ import annotations

import pytest

from toolkit.errors import ToolkitError
from toolkit.github.comments import COMMENT_LIMIT, plan_marker, upsert_comment

REPO = "octo-org/app"


def test_second_run_edits_the_first_comment(github_api):
    marker = plan_marker("dev")
    first = upsert_comment(REPO, 7, marker, "## Plan\n2 migrations")
    second = upsert_comment(REPO, 7, marker, "## Plan\n3 migrations")
    assert first.created and not second.created and second.id == first.id
    comments = github_api.comments(7)
    assert len(comments) == 1
    assert comments[0]["body"] == f"{marker}\n## Plan\n3 migrations"
    assert [c.method for c in github_api.calls(path=r"/comments")] == ["GET", "POST", "GET", "PATCH"]
    assert second.url.endswith(f"/octo-org/app/pull/7#issuecomment-{first.id}")


def test_identical_body_is_not_edited_again(github_api):
    marker = plan_marker("dev")
    upsert_comment(REPO, 7, marker, "same")
    upsert_comment(REPO, 7, marker, "same")
    assert github_api.calls("PATCH") == []
    assert len(github_api.comments(7)) == 1


def test_each_environment_has_its_own_comment(github_api):
    dev = upsert_comment(REPO, 7, plan_marker("dev"), "dev plan")
    prod = upsert_comment(REPO, 7, plan_marker("production"), "prod plan")
    upsert_comment(REPO, 7, plan_marker("dev"), "dev plan v2")
    assert dev.id != prod.id
    bodies = sorted(c["body"] for c in github_api.comments(7))
    assert bodies == [f"{plan_marker('dev')}\ndev plan v2", f"{plan_marker('production')}\nprod plan"]


def test_marker_on_page_two_is_found(github_api):
    marker = plan_marker("uat")
    for i in range(150):  # the client asks 100 per page, so ours is on page 2
        github_api.add_comment(7, f"review comment {i}")
    ours = github_api.add_comment(7, f"{marker}\nold plan", login="github-actions[bot]")
    result = upsert_comment(REPO, 7, marker, "new plan")
    assert not result.created and result.id == ours["id"]
    assert len(github_api.comments(7)) == 151
    pages = [c.query.get("page", ["1"])[-1] for c in github_api.calls("GET", r"/issues/7/comments$")]
    assert pages == ["1", "2"]


def test_a_comment_quoting_the_marker_is_left_alone(github_api):
    marker = plan_marker("dev")
    quoted = github_api.add_comment(7, f"> {marker}\n> old plan\nwhy is this slow?")
    result = upsert_comment(REPO, 7, marker, "plan")
    assert result.created and result.id != quoted["id"]
    assert github_api.comments(7)[0]["body"].startswith("> ")


def test_unknown_pull_request_is_one_clear_line(github_api):
    with pytest.raises(ToolkitError) as err:
        upsert_comment(REPO, 999, plan_marker("dev"), "plan")
    assert "404" in err.value.message and "#999" in err.value.message
    assert "pull-requests: write" in err.value.message
    assert "\n" not in err.value.message


def test_forbidden_names_the_missing_permission(github_api):
    github_api.inject(403, method="POST", path=r"/comments$", times=None,
                      message="Resource not accessible by integration")
    with pytest.raises(ToolkitError) as err:
        upsert_comment(REPO, 7, plan_marker("dev"), "plan")
    assert "Resource not accessible by integration" in err.value.message
    assert "the token needs `pull-requests: write`" in err.value.message
    assert "permissions:" in (err.value.hint or "")
    assert github_api.comments(7) == []
    assert len(github_api.calls("POST")) == 1  # a 403 that is not a rate limit is not retried


def test_too_long_body_is_refused_before_any_request(github_api):
    with pytest.raises(ToolkitError, match="65536"):
        upsert_comment(REPO, 7, plan_marker("dev"), "x" * COMMENT_LIMIT)
    assert github_api.requests == []


def test_invalid_marker_is_a_usage_error(github_api):
    with pytest.raises(ToolkitError) as err:
        upsert_comment(REPO, 7, "migrate-action:plan:dev", "plan")
    assert err.value.exit_code == 2
    with pytest.raises(ToolkitError):
        plan_marker("dev --> <script>")
    assert github_api.requests == []
