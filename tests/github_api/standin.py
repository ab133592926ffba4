"""A local stand-in for GitHub's REST API: a real HTTP server on 127.0.0.1 that keeps state.

It serves what toolkit.github calls (issue comments, deployments and their statuses, commit statuses,
workflow dispatch, repo and workflow look-ups), answers the way GitHub does (pagination with Link
headers, 401 for a wrong token, 404 for unknown things, 422 for GitHub's own validation rules,
409 when a deployment's required status checks fail), records every request, and checks every
request and every response it sends against GitHub's OpenAPI description (contract.py). A request
that does not match gets a 400 and is recorded as a violation; the pytest fixture fails the test.

Served under both `/` (github.com style) and `/api/v3` (GitHub Enterprise Server style).
"""

from __future__ import annotations

import base64
import hashlib
import itertools
import json
import re
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.github_api.contract import Contract

DOCS = "https://docs.github.com/rest"
ENTERPRISE_PREFIX = "/api/v3"


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _node_id(kind: str, ident: int) -> str:
    return base64.b64encode(f"0:{kind}{ident}".encode()).decode().rstrip("=")


def _fake_sha(ref: str) -> str:
    return hashlib.sha1(ref.encode()).hexdigest()


@dataclass
class Recorded:
    method: str
    path: str  # without the Enterprise prefix
    prefix: str  # "" or "/api/v3"
    query: dict[str, list[str]]
    headers: dict[str, str]  # Authorization left out
    body: Any
    status: int = 0


@dataclass
class Fault:
    status: int
    method: str | None
    path: re.Pattern | None
    times: int | None  # None: forever
    body: dict
    headers: dict[str, str]


@dataclass
class RepoState:
    owner: str
    name: str
    id: int
    default_branch: str = "main"
    refs: set[str] = field(default_factory=lambda: {"main"})
    pulls: set[int] = field(default_factory=lambda: {7})
    # status contexts GitHub would require before creating a deployment (unless required_contexts=[])
    pending_contexts: list[str] = field(default_factory=lambda: ["ci/build"])
    comments: dict[int, dict] = field(default_factory=dict)  # id -> comment (with "_issue")
    deployments: dict[int, dict] = field(default_factory=dict)
    deployment_statuses: dict[int, list[dict]] = field(default_factory=dict)  # oldest first
    commit_statuses: list[dict] = field(default_factory=list)
    workflows: dict[str, dict] = field(default_factory=dict)  # file -> {"id", "inputs": dict|None}
    dispatches: list[dict] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.owner}/{self.name}"


class ApiError(Exception):
    def __init__(self, status: int, message: str, errors: list | None = None, headers: dict | None = None):
        super().__init__(message)
        self.status, self.message, self.errors, self.headers = status, message, errors, headers or {}


class GitHubApiStandIn:
    """State + routing; `serve()` starts the HTTP server in a daemon thread."""

    def __init__(self, contract: Contract, token: str) -> None:
        self.contract = contract
        self.token = token
        self.lock = threading.RLock()
        self._server: ThreadingHTTPServer | None = None
        self._ids = itertools.count(1001)
        self.reset()

    # -- lifecycle --------------------------------------------------------------------------------
    def serve(self) -> GitHubApiStandIn:
        handler = type("Handler", (_Handler,), {"standin": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, name="github-api-standin", daemon=True).start()
        return self

    def close(self) -> None:
        if self._server:
            self._server.shutdown()
            self._server.server_close()

    @property
    def port(self) -> int:
        assert self._server is not None
        return self._server.server_address[1]

    @property
    def url(self) -> str:
        """GITHUB_API_URL for github.com-style use."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def enterprise_url(self) -> str:
        """GITHUB_API_URL as GitHub Enterprise Server sets it (https://HOST/api/v3)."""
        return self.url + ENTERPRISE_PREFIX

    @property
    def server_url(self) -> str:
        """GITHUB_SERVER_URL: where html_url links point."""
        return f"http://127.0.0.1:{self.port}"

    def reset(self, owner: str = "octo-org", name: str = "app") -> None:
        with self.lock:
            self.repos: dict[str, RepoState] = {}
            self.repo = self.add_repo(owner, name)
            self.requests: list[Recorded] = []
            self.violations: list[str] = []
            self.faults: list[Fault] = []

    # -- arranging --------------------------------------------------------------------------------
    def add_repo(self, owner: str, name: str) -> RepoState:
        repo = RepoState(owner=owner, name=name, id=next(self._ids))
        self.repos[repo.full_name.lower()] = repo
        return repo

    def add_workflow(self, file: str, inputs: dict[str, dict] | None = None, repo: RepoState | None = None) -> None:
        """Declare a workflow; with `inputs` (name -> {required, default, type, options}) a dispatch is
        checked the way GitHub checks it (unexpected/missing inputs, choice options)."""
        target = repo or self.repo
        target.workflows[file] = {"id": next(self._ids), "inputs": inputs}

    def add_workflow_file(self, path: Path, repo: RepoState | None = None) -> None:
        """Declare a workflow from a real workflow file, taking its `workflow_dispatch.inputs`."""
        import yaml

        doc = yaml.safe_load(Path(path).read_text()) or {}
        on = doc.get("on", doc.get(True)) or {}  # YAML 1.1 reads a bare `on` key as True
        dispatch = on.get("workflow_dispatch") if isinstance(on, dict) else None
        self.add_workflow(Path(path).name, dict((dispatch or {}).get("inputs") or {}), repo=repo)

    def add_comment(self, issue: int, body: str, *, login: str = "someone", repo: RepoState | None = None) -> dict:
        with self.lock:
            return self._new_comment(repo or self.repo, issue, body, login, self.url)

    def inject(self, status: int, *, method: str | None = None, path: str | None = None, times: int | None = 1,
               message: str | None = None, headers: dict[str, str] | None = None) -> None:
        """The next `times` requests matching (method, path regex) get this error (None: all of them)."""
        body = {"message": message or {401: "Bad credentials", 403: "Forbidden", 404: "Not Found",
                                       500: "Internal Server Error", 502: "Bad Gateway",
                                       503: "Service Unavailable"}.get(status, "Error"),
                "documentation_url": DOCS, "status": str(status)}
        with self.lock:
            self.faults.append(Fault(status, method.upper() if method else None,
                                     re.compile(path) if path else None, times, body, headers or {}))

    def disconnect(self, *, method: str | None = None, path: str | None = None, times: int | None = 1) -> None:
        """The next matching requests are read, then the connection is closed without an answer
        (what a client sees when a proxy or GitHub drops it mid-request)."""
        self.inject(0, method=method, path=path, times=times)

    def rate_limit(self, *, times: int | None = 1, kind: str = "primary", reset_in: float = 0,
                   retry_after: int = 0, method: str | None = None, path: str | None = None) -> None:
        """GitHub's rate-limit answers: primary (403, X-RateLimit-Remaining: 0, reset time) or
        secondary (403 with Retry-After)."""
        if kind == "primary":
            self.inject(403, method=method, path=path, times=times,
                        message="API rate limit exceeded for installation ID 4242.",
                        headers={"X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(int(time.time() + reset_in))})
        else:
            self.inject(403, method=method, path=path, times=times,
                        message="You have exceeded a secondary rate limit. Please wait a few minutes before you try again.",
                        headers={"Retry-After": str(retry_after)})

    # -- reading back -----------------------------------------------------------------------------
    def calls(self, method: str | None = None, path: str | None = None) -> list[Recorded]:
        rx = re.compile(path) if path else None
        return [r for r in self.requests
                if (method is None or r.method == method.upper()) and (rx is None or rx.search(r.path))]

    def comments(self, issue: int | None = None, repo: RepoState | None = None) -> list[dict]:
        target = repo or self.repo
        return [c for c in target.comments.values() if issue is None or c["_issue"] == issue]

    def statuses(self, deployment_id: int, repo: RepoState | None = None) -> list[dict]:
        return list((repo or self.repo).deployment_statuses.get(deployment_id, []))

    # -- HTTP entry -------------------------------------------------------------------------------
    def handle(self, method: str, raw_path: str, headers: dict[str, str], body: bytes) -> tuple[int, dict, bytes]:
        parsed = urllib.parse.urlsplit(raw_path)
        path = parsed.path
        prefix = ""
        if path.startswith(ENTERPRISE_PREFIX + "/"):
            prefix, path = ENTERPRISE_PREFIX, path[len(ENTERPRISE_PREFIX):]
        query = urllib.parse.parse_qs(parsed.query, keep_blank_values=True)
        try:
            payload = json.loads(body) if body else None
        except ValueError:
            payload = body.decode(errors="replace")
        record = Recorded(method, path, prefix, query,
                          {k: v for k, v in headers.items() if k.lower() != "authorization"}, payload)
        with self.lock:
            self.requests.append(record)
        base = f"http://127.0.0.1:{self.port}{prefix}"

        problems = self.contract.check_request(method, path, query, body, headers.get("Content-Type"))
        if problems:
            with self.lock:
                self.violations.extend(f"request: {p}" for p in problems)
            status, extra, out = 400, {}, {"message": "Request does not match GitHub's OpenAPI description: "
                                                      + "; ".join(problems), "documentation_url": DOCS}
        else:
            status, extra, out = self._answer(method, path, query, headers, payload, base)
        if status == 0:  # an injected dropped connection: no response at all
            record.status = 0
            return 0, {}, b""
        data = b"" if out is None else json.dumps(out).encode()
        if status != 400 or not problems:
            response_problems = self.contract.check_response(method, path, status, data, "application/json")
            if response_problems:
                with self.lock:
                    self.violations.extend(f"response: {p}" for p in response_problems)
        record.status = status
        return status, extra, data

    def _answer(self, method, path, query, headers, payload, base) -> tuple[int, dict, Any]:
        auth = headers.get("Authorization", "")
        if auth.split(" ", 1)[-1] != self.token or not auth.lower().startswith(("token ", "bearer ")):
            return 401, {}, {"message": "Bad credentials", "documentation_url": DOCS, "status": "401"}
        with self.lock:
            for fault in self.faults:
                if ((fault.method is None or fault.method == method)
                        and (fault.path is None or fault.path.search(path))
                        and (fault.times is None or fault.times > 0)):
                    if fault.times is not None:
                        fault.times -= 1
                    return fault.status, dict(fault.headers), dict(fault.body)
            try:
                return self._route(method, path, query, payload, base)
            except ApiError as err:
                out = {"message": err.message, "documentation_url": DOCS}
                if err.errors:
                    out["errors"] = err.errors
                if err.status not in (409, 422):
                    out["status"] = str(err.status)
                return err.status, err.headers, out

    # -- routes -----------------------------------------------------------------------------------
    def _route(self, method, path, query, body, base) -> tuple[int, dict, Any]:
        found = self.contract.match(method, path)
        assert found is not None  # the contract check rejected anything else
        template, params = found
        repo = self.repos.get(f"{params['owner']}/{params['repo']}".lower())
        if repo is None:
            raise ApiError(404, "Not Found")
        key = (method, template)
        if key == ("GET", "/repos/{owner}/{repo}"):
            return 200, {}, self._repo_json(repo, base)
        if template == "/repos/{owner}/{repo}/issues/{issue_number}/comments":
            issue = int(params["issue_number"])
            if issue not in repo.pulls:
                raise ApiError(404, "Not Found")
            if method == "GET":
                items = [c for c in repo.comments.values() if c["_issue"] == issue]
                return self._page(items, query, base + path, lambda c: self._comment_json(c, repo, base))
            text = body.get("body", "")
            if len(text) > 65536:
                raise ApiError(422, "Validation Failed", [{"resource": "IssueComment", "code": "custom",
                                                           "field": "body",
                                                           "message": "body is too long (maximum is 65536 characters)"}])
            comment = self._new_comment(repo, issue, text, "github-actions[bot]", base)
            return 201, {"Location": comment["url"]}, self._comment_json(comment, repo, base)
        if template == "/repos/{owner}/{repo}/issues/comments/{comment_id}":
            comment = repo.comments.get(int(params["comment_id"]))
            if comment is None:
                raise ApiError(404, "Not Found")
            if method == "PATCH":
                comment["body"] = body["body"]
                comment["updated_at"] = _now()
            return 200, {}, self._comment_json(comment, repo, base)
        if template == "/repos/{owner}/{repo}/deployments":
            if method == "GET":
                items = [d for d in sorted(repo.deployments.values(), key=lambda d: -d["id"])
                         if all(not query.get(f) or d[f] == query[f][-1] for f in ("environment", "ref", "task", "sha"))]
                return self._page(items, query, base + path, lambda d: self._deployment_json(d, repo, base))
            return self._create_deployment(repo, body, base)
        if template.startswith("/repos/{owner}/{repo}/deployments/{deployment_id}"):
            dep = repo.deployments.get(int(params["deployment_id"]))
            if dep is None:
                raise ApiError(404, "Not Found")
            if template.endswith("/statuses"):
                if method == "GET":
                    items = list(reversed(repo.deployment_statuses.get(dep["id"], [])))  # newest first
                    return self._page(items, query, base + path, lambda s: self._status_json(s, dep, repo, base))
                return self._create_deployment_status(repo, dep, body, base)
            return 200, {}, self._deployment_json(dep, repo, base)
        if key == ("POST", "/repos/{owner}/{repo}/statuses/{sha}"):
            description = body.get("description") or ""
            if len(description) > 140:
                raise ApiError(422, "Validation Failed", [{"resource": "Status", "code": "custom", "field": "description",
                                                           "message": "description is too long (maximum is 140 characters)"}])
            status = {"id": next(self._ids), "sha": params["sha"], "state": body["state"],
                      "context": body.get("context") or "default", "description": body.get("description"),
                      "target_url": body.get("target_url"), "created_at": _now()}
            repo.commit_statuses.append(status)
            return 201, {}, self._commit_status_json(status, repo, base)
        if key == ("GET", "/repos/{owner}/{repo}/commits/{ref}/statuses"):
            sha = _fake_sha(params["ref"]) if params["ref"] in repo.refs else params["ref"]
            items = [s for s in reversed(repo.commit_statuses) if s["sha"] == sha]
            return self._page(items, query, base + path, lambda s: self._commit_status_json(s, repo, base))
        if template.startswith("/repos/{owner}/{repo}/actions/workflows/{workflow_id}"):
            wf_key = urllib.parse.unquote(params["workflow_id"])
            workflow = repo.workflows.get(wf_key) or next(
                (w for w in repo.workflows.values() if str(w["id"]) == wf_key), None)
            if workflow is None:
                raise ApiError(404, "Not Found")
            file = next(f for f, w in repo.workflows.items() if w is workflow)
            if method == "GET":
                return 200, {}, self._workflow_json(file, workflow, repo, base)
            return self._dispatch(repo, file, workflow, body)
        raise ApiError(404, "Not Found")  # pragma: no cover - every served operation is routed above

    def _page(self, items: list, query: dict, url: str, render) -> tuple[int, dict, list]:
        per_page = min(100, max(1, int((query.get("per_page") or ["30"])[-1])))
        page = max(1, int((query.get("page") or ["1"])[-1]))
        last = max(1, -(-len(items) // per_page))
        chunk = items[(page - 1) * per_page: page * per_page]
        links = []

        def link(p: int, rel: str) -> str:
            q = {k: v[-1] for k, v in query.items()}
            q.update(page=str(p), per_page=str(per_page))
            return f'<{url}?{urllib.parse.urlencode(q)}>; rel="{rel}"'

        if page > 1:
            links += [link(page - 1, "prev"), link(1, "first")]
        if page < last:
            links += [link(page + 1, "next"), link(last, "last")]
        return 200, ({"Link": ", ".join(links)} if links else {}), [render(i) for i in chunk]

    def _create_deployment(self, repo: RepoState, body: dict, base: str) -> tuple[int, dict, Any]:
        ref = body["ref"]
        if ref not in repo.refs and not re.fullmatch(r"[0-9a-f]{40}", ref):
            raise ApiError(422, f"No ref found for: {ref}", [])
        required = body.get("required_contexts")
        pending = repo.pending_contexts if required is None else [c for c in required if c in repo.pending_contexts]
        if pending:
            raise ApiError(409, "Conflict: Commit status checks failed for " + ref + ".",
                           [{"contexts": [{"context": c, "state": "pending"} for c in pending],
                             "resource": "Deployment", "field": "required_contexts", "code": "invalid"}])
        if body.get("auto_merge", True) and ref != repo.default_branch and ref in repo.refs:
            return 202, {}, {"message": f"Auto-merged {repo.default_branch} into {ref} on deployment."}
        environment = body.get("environment") or "production"
        dep = {"id": next(self._ids), "ref": ref, "sha": ref if re.fullmatch(r"[0-9a-f]{40}", ref) else _fake_sha(ref),
               "task": body.get("task") or "deploy", "environment": environment,
               "payload": body.get("payload", {}), "description": body.get("description"),
               "transient_environment": bool(body.get("transient_environment", False)),
               "production_environment": body.get("production_environment", environment == "production"),
               "created_at": _now(), "_request": body}
        repo.deployments[dep["id"]] = dep
        repo.deployment_statuses[dep["id"]] = []
        return 201, {}, self._deployment_json(dep, repo, base)

    def _create_deployment_status(self, repo: RepoState, dep: dict, body: dict, base: str) -> tuple[int, dict, Any]:
        description = body.get("description") or ""
        if len(description) > 140:
            raise ApiError(422, "Validation Failed", [{"resource": "DeploymentStatus", "code": "custom",
                                                       "field": "description",
                                                       "message": "description is too long (maximum is 140 characters)"}])
        log_url = body.get("log_url") or body.get("target_url") or ""
        status = {"id": next(self._ids), "state": body["state"], "description": description,
                  "environment": body.get("environment") or dep["environment"], "target_url": log_url,
                  "log_url": log_url, "environment_url": body.get("environment_url") or "",
                  "created_at": _now(), "_request": body}
        if body["state"] == "success" and body.get("auto_inactive", True):
            for other in repo.deployments.values():
                history = repo.deployment_statuses.get(other["id"]) or []
                if (other["id"] != dep["id"] and other["environment"] == dep["environment"]
                        and history and history[-1]["state"] == "success"
                        and not other["transient_environment"] and not other["production_environment"]):
                    history.append({**history[-1], "id": next(self._ids), "state": "inactive", "created_at": _now(),
                                    "_request": None})
        repo.deployment_statuses[dep["id"]].append(status)
        return 201, {}, self._status_json(status, dep, repo, base)

    def _dispatch(self, repo: RepoState, file: str, workflow: dict, body: dict) -> tuple[int, dict, Any]:
        ref = body["ref"]
        if ref.removeprefix("refs/heads/").removeprefix("refs/tags/") not in repo.refs:
            raise ApiError(422, f"No ref found for: {ref}")
        inputs = body.get("inputs") or {}
        declared = workflow["inputs"]
        if declared is not None:
            unexpected = sorted(set(inputs) - set(declared))
            if unexpected:
                raise ApiError(422, f"Unexpected inputs provided: {json.dumps(unexpected)}")
            for name, spec in declared.items():
                spec = spec or {}
                if spec.get("required") and name not in inputs and spec.get("default") in (None, ""):
                    raise ApiError(422, f"Required input '{name}' not provided")
                if spec.get("type") == "choice" and name in inputs and inputs[name] not in (spec.get("options") or []):
                    raise ApiError(422, f"Provided value '{inputs[name]}' for input '{name}' not in the list of "
                                        "allowed values")
        repo.dispatches.append({"workflow": file, "ref": ref, "inputs": dict(inputs), "at": _now()})
        return 204, {}, None

    # -- JSON shapes (as GitHub sends them; checked against the description on the way out) -------
    def _user(self, login: str, base: str) -> dict:
        api = f"{base}/users/{urllib.parse.quote(login)}"
        uid = int(hashlib.sha1(login.encode()).hexdigest()[:6], 16)
        return {"login": login, "id": uid, "node_id": _node_id("User", uid),
                "avatar_url": f"{self.server_url}/avatars/u/{uid}", "gravatar_id": "",
                "url": api, "html_url": f"{self.server_url}/{login}", "followers_url": f"{api}/followers",
                "following_url": f"{api}/following{{/other_user}}", "gists_url": f"{api}/gists{{/gist_id}}",
                "starred_url": f"{api}/starred{{/owner}}{{/repo}}", "subscriptions_url": f"{api}/subscriptions",
                "organizations_url": f"{api}/orgs", "repos_url": f"{api}/repos", "events_url": f"{api}/events{{/privacy}}",
                "received_events_url": f"{api}/received_events",
                "type": "Bot" if login.endswith("[bot]") else "User", "site_admin": False}

    def _new_comment(self, repo: RepoState, issue: int, body: str, login: str, base: str) -> dict:
        now = _now()
        comment = {"id": next(self._ids), "_issue": issue, "body": body, "login": login,
                   "created_at": now, "updated_at": now}
        repo.comments[comment["id"]] = comment
        comment["url"] = f"{base}/repos/{repo.full_name}/issues/comments/{comment['id']}"
        return comment

    def _comment_json(self, c: dict, repo: RepoState, base: str) -> dict:
        api = f"{base}/repos/{repo.full_name}"
        return {"id": c["id"], "node_id": _node_id("IssueComment", c["id"]),
                "url": f"{api}/issues/comments/{c['id']}",
                "html_url": f"{self.server_url}/{repo.full_name}/pull/{c['_issue']}#issuecomment-{c['id']}",
                "body": c["body"], "user": self._user(c["login"], base), "created_at": c["created_at"],
                "updated_at": c["updated_at"], "issue_url": f"{api}/issues/{c['_issue']}",
                "author_association": "NONE" if c["login"].endswith("[bot]") else "MEMBER"}

    def _deployment_json(self, d: dict, repo: RepoState, base: str) -> dict:
        api = f"{base}/repos/{repo.full_name}"
        return {"url": f"{api}/deployments/{d['id']}", "id": d["id"], "node_id": _node_id("Deployment", d["id"]),
                "sha": d["sha"], "ref": d["ref"], "task": d["task"], "payload": d["payload"],
                "original_environment": d["environment"], "environment": d["environment"],
                "description": d["description"], "creator": self._user("github-actions[bot]", base),
                "created_at": d["created_at"], "updated_at": d["created_at"],
                "statuses_url": f"{api}/deployments/{d['id']}/statuses", "repository_url": api,
                "transient_environment": d["transient_environment"],
                "production_environment": d["production_environment"]}

    def _status_json(self, s: dict, dep: dict, repo: RepoState, base: str) -> dict:
        api = f"{base}/repos/{repo.full_name}"
        out = {"url": f"{api}/deployments/{dep['id']}/statuses/{s['id']}", "id": s["id"],
               "node_id": _node_id("DeploymentStatus", s["id"]), "state": s["state"],
               "creator": self._user("github-actions[bot]", base), "description": s["description"],
               "environment": s["environment"], "target_url": s["target_url"], "created_at": s["created_at"],
               "updated_at": s["created_at"], "deployment_url": f"{api}/deployments/{dep['id']}",
               "repository_url": api}
        # GitHub sends "" for unset URLs; the description types these as format: uri, so leave them out.
        if s["log_url"]:
            out["log_url"] = s["log_url"]
        if s["environment_url"]:
            out["environment_url"] = s["environment_url"]
        return out

    def _commit_status_json(self, s: dict, repo: RepoState, base: str) -> dict:
        return {"url": f"{base}/repos/{repo.full_name}/statuses/{s['sha']}", "avatar_url": None, "id": s["id"],
                "node_id": _node_id("StatusContext", s["id"]), "state": s["state"], "description": s["description"],
                "target_url": s["target_url"], "context": s["context"], "created_at": s["created_at"],
                "updated_at": s["created_at"], "creator": self._user("github-actions[bot]", base)}

    def _workflow_json(self, file: str, w: dict, repo: RepoState, base: str) -> dict:
        return {"id": w["id"], "node_id": _node_id("Workflow", w["id"]), "name": file.rsplit(".", 1)[0],
                "path": f".github/workflows/{file}", "state": "active", "created_at": _now(), "updated_at": _now(),
                "url": f"{base}/repos/{repo.full_name}/actions/workflows/{w['id']}",
                "html_url": f"{self.server_url}/{repo.full_name}/blob/main/.github/workflows/{file}",
                "badge_url": f"{self.server_url}/{repo.full_name}/workflows/{file}/badge.svg"}

    def _repo_json(self, repo: RepoState, base: str) -> dict:
        example = self.contract.spec["components"]["examples"]["full-repository-default-response"]["value"]
        out = json.loads(json.dumps(example))
        # Our repo is no fork; GitHub's own example also lacks the required (nullable) `language`.
        for key in ("parent", "source", "template_repository"):
            out.pop(key, None)
        out.setdefault("language", None)
        api = f"{base}/repos/{repo.full_name}"
        out.update(id=repo.id, node_id=_node_id("Repository", repo.id), name=repo.name, full_name=repo.full_name,
                   owner=self._user(repo.owner, base), url=api, html_url=f"{self.server_url}/{repo.full_name}",
                   default_branch=repo.default_branch)
        return out


class _Handler(BaseHTTPRequestHandler):
    standin: GitHubApiStandIn
    protocol_version = "HTTP/1.1"  # keep-alive, as PyGithub's session expects

    def log_message(self, format: str, *args: Any) -> None:  # quiet: the stand-in records requests itself
        pass

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        status, extra, data = self.standin.handle(self.command, self.path,
                                                 {k.title(): v for k, v in self.headers.items()}, body)
        if status == 0:
            self.close_connection = True
            return
        self.send_response(status)
        reset = int(time.time()) + 3600
        headers = {"Content-Type": "application/json; charset=utf-8", "X-GitHub-Api-Version-Selected": "2022-11-28",
                   "X-RateLimit-Limit": "5000", "X-RateLimit-Remaining": "4999", "X-RateLimit-Reset": str(reset),
                   "X-RateLimit-Used": "1", "X-RateLimit-Resource": "core",
                   "X-GitHub-Request-Id": hashlib.sha1(f"{time.time()}".encode()).hexdigest()[:16].upper()}
        headers.update(extra)
        for key, value in headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if data:
            self.wfile.write(data)

    do_GET = do_POST = do_PATCH = do_PUT = do_DELETE = _serve
