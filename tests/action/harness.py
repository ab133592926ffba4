"""Run a composite action's steps the way a GitHub runner does, without GitHub.

What it does, as the runner would:
- resolves inputs: the given values, else each input's `default` (expressions such as
  `${{ github.token }}` evaluated), and exposes them as `inputs.*`;
- evaluates `${{ }}` expressions in `env:`, `with:`, `name:`, `if:` and the action's `outputs:`
  (contexts: inputs, github, env, runner, steps; functions: success(), failure(), always(),
  cancelled(), contains(), startsWith(), endsWith(), format(), toJSON(), fromJSON(); operators
  ! == != < <= > >= && || and parentheses);
- runs `run:` steps with `bash --noprofile --norc -eo pipefail FILE` in GITHUB_WORKSPACE, with
  GITHUB_OUTPUT, GITHUB_ENV, GITHUB_PATH, GITHUB_STEP_SUMMARY and GITHUB_STATE files, reading
  them back after each step (`name=value` and `name<<DELIMITER` forms), GITHUB_ENV/GITHUB_PATH
  carried to later steps, GITHUB_ACTION_PATH the action's folder;
- `uses:` steps are emulated: actions/setup-python answers with this test's Python (which already
  has the toolkit installed), actions/cache is a miss that stores nothing; others fail the test;
- applies `::add-mask::` to the log, as the runner does before anyone sees it;
- a failed step fails the action; later steps run only if their `if:` asks for failure()/always().
"""

from __future__ import annotations

import json
import os
import re
import secrets
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from tests.fixtures.github_api import parse_key_value_file  # the runner's GITHUB_OUTPUT / GITHUB_ENV format

# -- expressions --------------------------------------------------------------------------------

_TOKEN = re.compile(r"""\s*(?:
    (?P<num>-?\d+(?:\.\d+)?)
  | '(?P<str>(?:[^']|'')*)'
  | (?P<op>==|!=|<=|>=|&&|\|\||[!<>()\[\],.*])
  | (?P<ident>[A-Za-z_][A-Za-z0-9_-]*)
)""", re.VERBOSE)


class ExpressionError(Exception):
    pass


def _tokens(text: str) -> list[tuple[str, Any]]:
    pos, out = 0, []
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise ExpressionError(f"cannot parse expression at {text[pos:]!r}")
        pos = m.end()
        if m.group("num") is not None:
            out.append(("lit", float(m.group("num")) if "." in m.group("num") else int(m.group("num"))))
        elif m.group("str") is not None:
            out.append(("lit", m.group("str").replace("''", "'")))
        elif m.group("op"):
            out.append(("op", m.group("op")))
        else:
            word = m.group("ident")
            lits = {"true": True, "false": False, "null": None}
            out.append(("lit", lits[word]) if word in lits else ("ident", word))
    return out


def _to_str(v: Any) -> str:
    if v is None:
        return ""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, (dict, list)):
        return json.dumps(v)
    return str(v)


def _truthy(v: Any) -> bool:
    return v not in (None, False, 0, "", 0.0)


def _coerce_eq(a: Any, b: Any) -> bool:
    if isinstance(a, str) and isinstance(b, str):
        return a.lower() == b.lower()  # GitHub compares strings case-insensitively
    if type(a) is not type(b) and not (isinstance(a, (int, float)) and isinstance(b, (int, float))):
        def num(x):
            if x is None:
                return 0
            if isinstance(x, bool):
                return int(x)
            try:
                return float(x) if x != "" else 0
            except (TypeError, ValueError):
                return float("nan")
        return num(a) == num(b)
    return a == b


class _Parser:
    def __init__(self, tokens: list, ctx: dict, status: str) -> None:
        self.t, self.i, self.ctx, self.status = tokens, 0, ctx, status

    def peek(self, value: str | None = None) -> bool:
        return self.i < len(self.t) and self.t[self.i][0] == "op" and (value is None or self.t[self.i][1] == value)

    def take(self, value: str) -> None:
        if not self.peek(value):
            raise ExpressionError(f"expected {value!r}")
        self.i += 1

    def parse(self) -> Any:
        v = self.or_()
        if self.i != len(self.t):
            raise ExpressionError(f"unexpected {self.t[self.i]}")
        return v

    def or_(self) -> Any:
        v = self.and_()
        while self.peek("||"):
            self.i += 1
            rhs = self.and_()
            v = v if _truthy(v) else rhs
        return v

    def and_(self) -> Any:
        v = self.cmp()
        while self.peek("&&"):
            self.i += 1
            rhs = self.cmp()
            v = rhs if _truthy(v) else v
        return v

    def cmp(self) -> Any:
        v = self.unary()
        while self.i < len(self.t) and self.t[self.i] in (("op", "=="), ("op", "!="), ("op", "<"), ("op", ">"),
                                                           ("op", "<="), ("op", ">=")):
            op = self.t[self.i][1]
            self.i += 1
            rhs = self.unary()
            if op == "==":
                v = _coerce_eq(v, rhs)
            elif op == "!=":
                v = not _coerce_eq(v, rhs)
            else:
                a, b = float(v or 0), float(rhs or 0)
                v = {"<": a < b, ">": a > b, "<=": a <= b, ">=": a >= b}[op]
        return v

    def unary(self) -> Any:
        if self.peek("!"):
            self.i += 1
            return not _truthy(self.unary())
        return self.postfix()

    def postfix(self) -> Any:
        v = self.primary()
        while True:
            if self.peek("."):
                self.i += 1
                kind, name = self.t[self.i]
                self.i += 1
                v = _index(v, name)
            elif self.peek("["):
                self.i += 1
                key = self.or_()
                self.take("]")
                v = _index(v, key)
            else:
                return v

    def primary(self) -> Any:
        kind, value = self.t[self.i]
        self.i += 1
        if kind == "lit":
            return value
        if kind == "op" and value == "(":
            v = self.or_()
            self.take(")")
            return v
        if kind == "ident":
            if self.peek("("):
                self.i += 1
                args = []
                while not self.peek(")"):
                    args.append(self.or_())
                    if self.peek(","):
                        self.i += 1
                self.take(")")
                return self.call(value, args)
            return self.ctx.get(value)
        raise ExpressionError(f"unexpected {value!r}")

    def call(self, name: str, args: list) -> Any:
        name = name.lower()
        if name == "success":
            return self.status == "success"
        if name == "failure":
            return self.status == "failure"
        if name == "always":
            return True
        if name == "cancelled":
            return False
        if name == "contains":
            hay, needle = args
            if isinstance(hay, list):
                return any(_coerce_eq(x, needle) for x in hay)
            return _to_str(needle).lower() in _to_str(hay).lower()
        if name == "startswith":
            return _to_str(args[0]).lower().startswith(_to_str(args[1]).lower())
        if name == "endswith":
            return _to_str(args[0]).lower().endswith(_to_str(args[1]).lower())
        if name == "format":
            return re.sub(r"\{(\d+)\}", lambda m: _to_str(args[int(m.group(1)) + 1]), _to_str(args[0]))
        if name == "tojson":
            return json.dumps(args[0], indent=2)
        if name == "fromjson":
            return json.loads(_to_str(args[0]))
        raise ExpressionError(f"function {name}() is not supported by the harness")


def _index(v: Any, key: Any) -> Any:
    if isinstance(v, dict):
        if key in v:
            return v[key]
        lowered = {str(k).lower(): x for k, x in v.items()}  # contexts are case-insensitive
        return lowered.get(str(key).lower())
    if isinstance(v, list) and isinstance(key, (int, float)):
        return v[int(key)] if 0 <= int(key) < len(v) else None
    return None


def evaluate(expr: str, ctx: dict, status: str = "success") -> Any:
    return _Parser(_tokens(expr), ctx, status).parse()


_EMBED = re.compile(r"\$\{\{(.*?)\}\}", re.DOTALL)


def interpolate(value: Any, ctx: dict, status: str = "success") -> str:
    text = _to_str(value)
    return _EMBED.sub(lambda m: _to_str(evaluate(m.group(1), ctx, status)), text)


def condition(expr: str | None, ctx: dict, status: str) -> bool:
    """A step's `if:`; without a status function in it, success() is implied (as on GitHub)."""
    if expr is None or (isinstance(expr, str) and not expr.strip()):
        return status == "success"
    if isinstance(expr, bool):
        return expr and status == "success"
    text = str(expr).strip()
    m = _EMBED.fullmatch(text)
    if m:
        text = m.group(1)
    if not re.search(r"\b(success|failure|always|cancelled)\s*\(", text):
        text = f"success() && ({text})"
    return _truthy(evaluate(text, ctx, status))


# -- results ---------------------------------------------------------------------------------

@dataclass
class StepRun:
    id: str | None
    name: str
    outcome: str  # success | failure | skipped
    returncode: int | None
    outputs: dict[str, str]
    log: str = ""


@dataclass
class ActionRun:
    outputs: dict[str, str]
    steps: list[StepRun]
    summary: str
    log: str  # stdout+stderr of every step, with masked values replaced by ***
    raw_log: str  # before masking: to check what the toolkit itself printed
    masks: list[str]
    env_file: dict[str, str] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return all(s.outcome != "failure" for s in self.steps)

    def step(self, id_: str) -> StepRun:
        return next(s for s in self.steps if s.id == id_)

    def annotations(self, level: str = "error") -> list[dict[str, str]]:
        """`::error file=...,line=...::message` commands printed by the steps."""
        found = []
        for m in re.finditer(rf"^::{level}(?: (?P<props>[^:]*))?::(?P<msg>.*)$", self.raw_log, re.MULTILINE):
            props = dict(p.split("=", 1) for p in (m.group("props") or "").split(",") if "=" in p)
            props["message"] = m.group("msg").replace("%0A", "\n").replace("%0D", "\r").replace("%25", "%")
            found.append(props)
        return found


def emulate_setup_python(with_: dict[str, str]) -> dict[str, str]:
    return {"python-path": sys.executable, "python-version": ".".join(map(str, sys.version_info[:3])),
            "cache-hit": "false"}


EMULATED = {
    "actions/setup-python": emulate_setup_python,
    "actions/cache": lambda with_: {"cache-hit": "false"},
}


class ActionHarness:
    def __init__(self, action_dir: Path, workspace: Path, temp: Path, *, base_env: dict[str, str] | None = None,
                 github: dict[str, Any] | None = None, event: dict | None = None) -> None:
        self.action_dir = action_dir
        self.workspace = workspace
        self.temp = temp
        self.base_env = base_env or {}
        self.github = {
            "repository": "octo-org/octo-repo", "repository_owner": "octo-org", "sha": "a" * 40,
            "ref": "refs/heads/main", "ref_name": "main", "event_name": "push", "run_id": "1001",
            "run_attempt": "1", "run_number": "7", "actor": "octocat", "workflow": "Deploy migrations",
            "job": "deploy", "server_url": "https://github.com", "api_url": "https://api.github.com",
            "token": "ghs_" + secrets.token_hex(18), "action_path": str(action_dir), "workspace": str(workspace),
            **(github or {}),
        }
        self.event = event or {"ref": self.github["ref"], "after": self.github["sha"],
                               "repository": {"full_name": self.github["repository"], "default_branch": "main"}}
        self.definition = yaml.safe_load((action_dir / "action.yml").read_text())

    def _runner_env(self, files: dict[str, Path]) -> dict[str, str]:
        g = self.github
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root"),
            "LANG": "C.UTF-8", "CI": "true", "GITHUB_ACTIONS": "true",
            "GITHUB_REPOSITORY": g["repository"], "GITHUB_REPOSITORY_OWNER": g["repository_owner"],
            "GITHUB_SHA": g["sha"], "GITHUB_REF": g["ref"], "GITHUB_REF_NAME": g["ref_name"],
            "GITHUB_EVENT_NAME": g["event_name"], "GITHUB_RUN_ID": g["run_id"], "GITHUB_RUN_ATTEMPT": g["run_attempt"],
            "GITHUB_RUN_NUMBER": g["run_number"], "GITHUB_ACTOR": g["actor"], "GITHUB_WORKFLOW": g["workflow"],
            "GITHUB_JOB": g["job"], "GITHUB_SERVER_URL": g["server_url"], "GITHUB_API_URL": g["api_url"],
            "GITHUB_WORKSPACE": str(self.workspace), "GITHUB_ACTION_PATH": str(self.action_dir),
            "GITHUB_EVENT_PATH": str(files["event"]), "RUNNER_TEMP": str(self.temp / "runner_temp"),
            "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64", "RUNNER_DEBUG": "",
        }
        env.update(self.base_env)
        return env

    def run(self, inputs: dict[str, str], *, env: dict[str, str] | None = None, timeout: float = 300) -> ActionRun:
        files = {"event": self.temp / "event.json"}
        files["event"].write_text(json.dumps(self.event))
        (self.temp / "runner_temp").mkdir(parents=True, exist_ok=True)
        job_env = self._runner_env(files)
        job_env.update(env or {})
        ctx: dict[str, Any] = {"github": self.github, "env": dict(job_env), "steps": {},
                               "runner": {"os": "Linux", "arch": "X64", "temp": job_env["RUNNER_TEMP"]}}

        declared = self.definition.get("inputs") or {}
        unknown = set(inputs) - set(declared)
        if unknown:
            raise AssertionError(f"inputs not declared in action.yml: {sorted(unknown)}")
        resolved: dict[str, str] = {}
        for name, spec in declared.items():
            if name in inputs:
                resolved[name] = _to_str(inputs[name])
            else:
                if (spec or {}).get("required") and "default" not in (spec or {}):
                    raise AssertionError(f"required input {name!r} not given")
                resolved[name] = interpolate((spec or {}).get("default", ""), ctx)
        ctx["inputs"] = resolved

        status = "success"
        steps: list[StepRun] = []
        raw_log: list[str] = []
        summary: list[str] = []
        masks: list[str] = []
        extra_path: list[str] = []
        env_file: dict[str, str] = {}
        for n, step in enumerate(self.definition["runs"]["steps"]):
            step_id = step.get("id")
            name = interpolate(step.get("name") or step.get("uses") or f"step {n}", ctx, status)
            if not condition(step.get("if"), ctx, status):
                steps.append(StepRun(step_id, name, "skipped", None, {}))
                continue
            outputs: dict[str, str] = {}
            if "uses" in step:
                action = step["uses"].split("@", 1)[0]
                if action not in EMULATED:
                    raise AssertionError(f"the harness cannot emulate `uses: {step['uses']}`")
                with_ = {k: interpolate(v, ctx, status) for k, v in (step.get("with") or {}).items()}
                outputs = EMULATED[action](with_)
                run = StepRun(step_id, name, "success", 0, outputs)
            else:
                assert step.get("shell") == "bash", f"step {name}: composite run steps need `shell: bash`"
                step_files = {k: self.temp / f"{k}_{n}" for k in ("output", "env", "path", "summary", "state")}
                for p in step_files.values():
                    p.write_text("")
                proc_env = dict(job_env)
                proc_env.update(env_file)
                if extra_path:
                    proc_env["PATH"] = ":".join(reversed(extra_path)) + ":" + proc_env["PATH"]
                ctx["env"] = dict(proc_env)
                proc_env.update({k: interpolate(v, ctx, status) for k, v in (step.get("env") or {}).items()})
                proc_env.update({"GITHUB_OUTPUT": str(step_files["output"]), "GITHUB_ENV": str(step_files["env"]),
                                 "GITHUB_PATH": str(step_files["path"]),
                                 "GITHUB_STEP_SUMMARY": str(step_files["summary"]),
                                 "GITHUB_STATE": str(step_files["state"])})
                script = self.temp / f"script_{n}.sh"
                script.write_text(step["run"])
                cwd = self.workspace / step.get("working-directory", ".")
                proc = subprocess.run(["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
                                      cwd=cwd, env=proc_env, capture_output=True, text=True, timeout=timeout,
                                      stdin=subprocess.DEVNULL)
                log = proc.stdout + proc.stderr
                raw_log.append(f"##[group]Run {name}\n{log}##[endgroup]\n")
                masks += [m.group(1) for m in re.finditer(r"^::add-mask::(.*)$", proc.stdout, re.MULTILINE)]
                outputs = parse_key_value_file(step_files["output"])
                env_file.update(parse_key_value_file(step_files["env"]))
                extra_path += [p for p in step_files["path"].read_text().splitlines() if p.strip()]
                summary.append(step_files["summary"].read_text())
                run = StepRun(step_id, name, "success" if proc.returncode == 0 else "failure", proc.returncode,
                              outputs, log)
            steps.append(run)
            if step_id:
                ctx["steps"][step_id] = {"outputs": outputs, "outcome": run.outcome, "conclusion": run.outcome}
            if run.outcome == "failure" and not step.get("continue-on-error"):
                status = "failure"

        action_outputs = {name: interpolate(spec.get("value", ""), ctx, status)
                          for name, spec in (self.definition.get("outputs") or {}).items()}
        raw = "".join(raw_log)
        masked = raw
        for secret in sorted({m for m in masks if m}, key=len, reverse=True):
            masked = masked.replace(secret, "***")
        return ActionRun(action_outputs, steps, "".join(summary), masked, raw, masks, env_file)
