"""The GitHub API stand-in itself: it must refuse what GitHub's OpenAPI description does not allow."""

from __future__ import annotations

import json

import pytest
import requests

from tests.github_api.contract import SERVED, load_trimmed, trim


def _post(api, path: str, body, **kw) -> requests.Response:
    return requests.post(f"{api.url}/repos/octo-org/app{path}", data=json.dumps(body), timeout=5,
                         headers={"Authorization": f"token {api.token}", "Content-Type": "application/json"}, **kw)


def test_request_violating_the_description_is_rejected_and_recorded(github_api):
    dep = _post(github_api, "/deployments", {"ref": "main", "required_contexts": []}).json()
    bad_enum = _post(github_api, f"/deployments/{dep['id']}/statuses", {"state": "done"})
    typo = _post(github_api, f"/deployments/{dep['id']}/statuses", {"state": "success", "logurl": "x"})
    missing = _post(github_api, f"/deployments/{dep['id']}/statuses", {"description": "no state"})
    wrong_type = _post(github_api, "/issues/7/comments", {"body": 42})
    assert [r.status_code for r in (bad_enum, typo, missing, wrong_type)] == [400, 400, 400, 400]
    assert "OpenAPI description" in bad_enum.json()["message"]
    violations = list(github_api.violations)
    assert len(violations) == 4
    assert "'done' is not one of" in violations[0]
    assert "['logurl']" in violations[1]
    assert "'state' is a required property" in violations[2]
    assert github_api.statuses(dep["id"]) == [] and github_api.comments(7) == []  # nothing was done
    github_api.violations.clear()  # expected here; any other test would fail at teardown


def test_unknown_query_parameter_and_unserved_operation_are_rejected(github_api):
    headers = {"Authorization": f"token {github_api.token}"}
    r1 = requests.get(f"{github_api.url}/repos/octo-org/app/issues/7/comments?perpage=5", headers=headers, timeout=5)
    r2 = requests.delete(f"{github_api.url}/repos/octo-org/app/issues/comments/1", headers=headers, timeout=5)
    assert (r1.status_code, r2.status_code) == (400, 400)
    assert "perpage" in github_api.violations[0] and "no such operation" in github_api.violations[1]
    github_api.violations.clear()


def test_a_response_not_matching_the_description_is_caught(github_api, monkeypatch: pytest.MonkeyPatch):
    github_api.add_comment(7, "hello")
    original = github_api.server._comment_json
    monkeypatch.setattr(github_api.server, "_comment_json",
                        lambda *a: {k: v for k, v in original(*a).items() if k != "user"})
    requests.get(f"{github_api.url}/repos/octo-org/app/issues/7/comments", timeout=5,
                 headers={"Authorization": f"token {github_api.token}"})
    assert any("'user' is a required property" in v for v in github_api.violations)
    github_api.violations.clear()


def test_pagination_links_like_github(github_api):
    for i in range(5):
        github_api.add_comment(7, f"c{i}")
    r = requests.get(f"{github_api.url}/repos/octo-org/app/issues/7/comments?per_page=2&page=2", timeout=5,
                     headers={"Authorization": f"token {github_api.token}"})
    assert [c["body"] for c in r.json()] == ["c2", "c3"]
    assert set(r.links) == {"next", "last", "prev", "first"}
    assert "page=3" in r.links["next"]["url"] and "per_page=2" in r.links["next"]["url"]


def test_wrong_token_gets_401(github_api):
    r = requests.get(f"{github_api.url}/repos/octo-org/app/issues/7/comments", timeout=5,
                     headers={"Authorization": "token nope"})
    assert r.status_code == 401 and r.json()["message"] == "Bad credentials"


def test_every_served_operation_is_in_the_description(tmp_path):
    spec, stats = load_trimmed(tmp_path)
    assert not stats.from_cache
    assert {(m, p) for p, item in spec["paths"].items() for m in item} == set(SERVED)
    again, stats2 = load_trimmed(tmp_path)
    assert stats2.from_cache and again == spec
    with pytest.raises(LookupError):
        trim(spec, served=(("get", "/repos/{owner}/{repo}/no-such-thing"),))


def test_read_endpoints_answer_per_the_description(github_api):
    from toolkit.github.deployments import create_deployment, set_commit_status, set_deployment_status

    dep = create_deployment("octo-org/app", ref="main", environment="dev")
    set_deployment_status("octo-org/app", dep.id, "success", log_url="http://127.0.0.1/run")
    set_commit_status("octo-org/app", dep.sha, "success", context="migrate-action/dev")
    github_api.add_workflow("rollback.yml")
    comment = github_api.add_comment(7, "hi")
    base = f"{github_api.url}/repos/octo-org/app"
    headers = {"Authorization": f"Bearer {github_api.token}"}
    answers = {path: requests.get(base + path, headers=headers, timeout=5) for path in (
        "", "/deployments?environment=dev", f"/deployments/{dep.id}", f"/deployments/{dep.id}/statuses",
        "/commits/main/statuses", "/actions/workflows/rollback.yml", f"/issues/comments/{comment['id']}")}
    assert {p: r.status_code for p, r in answers.items()} == dict.fromkeys(answers, 200)
    assert answers[""].json()["full_name"] == "octo-org/app"
    assert [d["id"] for d in answers["/deployments?environment=dev"].json()] == [dep.id]
    assert [s["state"] for s in answers["/commits/main/statuses"].json()] == ["success"]
    assert github_api.violations == []
