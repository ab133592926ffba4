"""GitHub's OpenAPI description of api.github.com (npm `@octokit/openapi`), as a request/response checker.

Only the operations the stand-in serves are kept (with the components they reference): the full
description is 13 MB and 800+ paths; the trimmed one is under 1 MB, so openapi-core finds paths and
resolves references quickly. The trimmed document is cached on disk, keyed by the package version
and the served list, so later sessions skip even the 13 MB parse.

Beyond what OpenAPI itself requires, two strict checks catch the typos a client most often makes:
an unknown query parameter, and an unknown top-level field in a JSON request body (GitHub's
description leaves request objects open, and GitHub silently ignores unknown fields).
"""

from __future__ import annotations

import hashlib
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from openapi_core import Config, OpenAPI
from openapi_core.templating.responses.exceptions import ResponseNotFound
from openapi_core.testing import MockRequest, MockResponse
from openapi_schema_validator import OAS30Validator

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "node_modules" / "@octokit" / "openapi"
DESCRIPTION = PACKAGE / "generated" / "api.github.com.json"

# (method, path template) of every operation the stand-in serves.
SERVED: tuple[tuple[str, str], ...] = (
    ("get", "/repos/{owner}/{repo}"),
    ("get", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("post", "/repos/{owner}/{repo}/issues/{issue_number}/comments"),
    ("get", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("patch", "/repos/{owner}/{repo}/issues/comments/{comment_id}"),
    ("get", "/repos/{owner}/{repo}/deployments"),
    ("post", "/repos/{owner}/{repo}/deployments"),
    ("get", "/repos/{owner}/{repo}/deployments/{deployment_id}"),
    ("get", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"),
    ("post", "/repos/{owner}/{repo}/deployments/{deployment_id}/statuses"),
    ("post", "/repos/{owner}/{repo}/statuses/{sha}"),
    ("get", "/repos/{owner}/{repo}/commits/{ref}/statuses"),
    ("get", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}"),
    ("post", "/repos/{owner}/{repo}/actions/workflows/{workflow_id}/dispatches"),
)


@dataclass
class LoadStats:
    seconds: float
    from_cache: bool
    operations: int
    components: int
    version: str


def _refs(node: Any, out: set[str]) -> None:
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str):
            out.add(ref)
        for value in node.values():
            _refs(value, out)
    elif isinstance(node, list):
        for value in node:
            _refs(value, out)


def trim(description: dict, served: tuple[tuple[str, str], ...] = SERVED) -> dict:
    """The served operations and the transitive closure of the components they reference."""
    paths: dict[str, dict] = {}
    for method, template in served:
        item = description["paths"].get(template)
        if not item or method not in item:
            raise LookupError(f"{method.upper()} {template} is not in GitHub's OpenAPI description")
        paths.setdefault(template, {})[method] = item[method]
    todo: set[str] = set()
    _refs(paths, todo)
    seen: set[str] = set()
    components: dict[str, dict] = {}
    while todo:
        ref = todo.pop()
        if ref in seen:
            continue
        seen.add(ref)
        _, _, section, name = ref.split("/", 3)
        node = description["components"][section][name]
        components.setdefault(section, {})[name] = node
        _refs(node, todo)
    # Schemas used by the checker itself (the generic error body GitHub sends for any failure).
    components.setdefault("schemas", {}).setdefault("basic-error", description["components"]["schemas"]["basic-error"])
    return {"openapi": description["openapi"], "info": description["info"], "servers": [{"url": "/"}],
            "paths": paths, "components": components}


def package_version() -> str:
    return json.loads((PACKAGE / "package.json").read_text())["version"]


def load_trimmed(cache_dir: Path | None = None) -> tuple[dict, LoadStats]:
    if not DESCRIPTION.exists():
        raise FileNotFoundError(
            f"{DESCRIPTION} is missing: run `npm ci` in {HERE} (CI's .ci/run does)")
    start = time.perf_counter()
    version = package_version()
    key = hashlib.sha256(json.dumps([version, SERVED]).encode()).hexdigest()[:16]
    cached = cache_dir / f"api.github.com-{version}-{key}.json" if cache_dir else None
    if cached and cached.exists():
        spec = json.loads(cached.read_text())
        from_cache = True
    else:
        spec = trim(json.loads(DESCRIPTION.read_text()))
        from_cache = False
        if cached:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp")
            tmp.write_text(json.dumps(spec))
            tmp.replace(cached)
    stats = LoadStats(time.perf_counter() - start, from_cache, len(SERVED),
                      sum(len(v) for v in spec["components"].values()), version)
    return spec, stats


def _template_regex(template: str) -> re.Pattern:
    parts = re.split(r"(\{[^}]+\})", template)
    rx = "".join(f"(?P<{p[1:-1]}>[^/]+)" if p.startswith("{") else re.escape(p) for p in parts)
    return re.compile(f"^{rx}$")


class Contract:
    """Checks requests and responses against the served operations of GitHub's description."""

    def __init__(self, spec: dict) -> None:
        self.spec = spec
        self.openapi = OpenAPI.from_dict(spec, config=Config(spec_validator_cls=None))
        self._routes = [(method, template, _template_regex(template)) for method, template in SERVED]
        self._basic_error = OAS30Validator(self._resolve(spec["components"]["schemas"]["basic-error"]))

    # -- spec navigation ------------------------------------------------------------------------
    def _resolve(self, node: Any) -> Any:
        while isinstance(node, dict) and "$ref" in node:
            _, _, section, name = node["$ref"].split("/", 3)
            node = self.spec["components"][section][name]
        return node

    def match(self, method: str, path: str) -> tuple[str, dict[str, str]] | None:
        for m, template, rx in self._routes:
            if m == method.lower():
                found = rx.match(path)
                if found:
                    return template, found.groupdict()
        return None

    def operation(self, method: str, template: str) -> dict:
        return self.spec["paths"][template][method.lower()]

    def _query_names(self, op: dict) -> set[str]:
        return {p["name"] for p in map(self._resolve, op.get("parameters", [])) if p.get("in") == "query"}

    def _body_properties(self, op: dict) -> set[str] | None:
        body = self._resolve(op.get("requestBody") or {})
        schema = self._resolve(((body.get("content") or {}).get("application/json") or {}).get("schema") or {})
        if schema.get("type") != "object" or "properties" not in schema or schema.get("additionalProperties"):
            return None
        return set(schema["properties"])

    # -- checks ---------------------------------------------------------------------------------
    def check_request(self, method: str, path: str, query: dict[str, list[str]], body: bytes,
                      content_type: str | None) -> list[str]:
        found = self.match(method, path)
        if found is None:
            return [f"{method} {path}: no such operation among those served from GitHub's description"]
        template, _ = found
        op = self.operation(method, template)
        errors: list[str] = []
        unknown = sorted(set(query) - self._query_names(op))
        if unknown:
            errors.append(f"{method} {path}: query parameter(s) {unknown} not in {op['operationId']}")
        if body:
            try:
                parsed = json.loads(body)
            except ValueError:
                return errors + [f"{method} {path}: body is not JSON"]
            allowed = self._body_properties(op)
            if allowed is not None and isinstance(parsed, dict):
                extra = sorted(set(parsed) - allowed)
                if extra:
                    errors.append(f"{method} {path}: body field(s) {extra} not in {op['operationId']}")
        args = {k: v[-1] for k, v in query.items()}
        request = MockRequest("http://127.0.0.1", method.lower(), path, args=args, data=body or None,
                              content_type=(content_type or "application/json").split(";")[0].strip())
        try:
            self.openapi.validate_request(request)
        except Exception as exc:  # openapi-core raises one exception class per kind of mismatch
            errors.append(f"{method} {path}: {_describe(exc)}")
        return errors

    def check_response(self, method: str, path: str, status: int, body: bytes,
                       content_type: str | None) -> list[str]:
        found = self.match(method, path)
        if found is None:
            return []  # already reported for the request
        template, _ = found
        op = self.operation(method, template)
        documented = {str(code) for code in op.get("responses", {})}
        if str(status) not in documented and "default" not in documented and status >= 400:
            # GitHub answers any operation with 401/403/404/5xx and its generic error body.
            try:
                self._basic_error.validate(json.loads(body or b"{}"))
            except Exception as exc:
                return [f"{method} {path} -> {status}: error body is not GitHub's basic-error: {_describe(exc)}"]
            return []
        request = MockRequest("http://127.0.0.1", method.lower(), path)
        response = MockResponse(body or b"", status_code=status,
                                content_type=(content_type or "application/json").split(";")[0].strip())
        try:
            self.openapi.validate_response(request, response)
        except ResponseNotFound:
            return [f"{method} {path}: status {status} is not documented for {op['operationId']}"]
        except Exception as exc:
            return [f"{method} {path} -> {status}: {_describe(exc)}"]
        return []


def _describe(exc: BaseException) -> str:
    """The schema errors first (where and what), then openapi-core's own summary, shortened: its
    message embeds the whole offending value."""
    cause = exc.__cause__
    schema_errors = getattr(cause, "schema_errors", None) or getattr(exc, "schema_errors", None) or []
    parts = []
    for err in schema_errors:
        where = "/".join(str(p) for p in getattr(err, "absolute_path", []))
        parts.append(f"[{where or '<root>'}] {str(getattr(err, 'message', err))[:300]}")
    parts.append(f"{type(exc).__name__}: {str(exc)[:300]}")
    if cause is not None and not schema_errors:
        parts.append(f"{type(cause).__name__}: {str(cause)[:300]}")
    return " | ".join(parts)
