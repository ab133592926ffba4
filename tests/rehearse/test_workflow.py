"""The rehearsal workflow runs only trusted code with the read-only bucket credentials."""

from __future__ import annotations

from pathlib import Path

import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / ".github" / "workflows" / "rehearse.yml"


def test_workflow_runs_only_trusted_code_and_keeps_expressions_out_of_shell():
    wf = yaml.safe_load(WORKFLOW.read_text())
    on = wf[True] if True in wf else wf["on"]  # YAML 1.1 reads `on:` as true
    assert set(on) == {"pull_request", "workflow_dispatch"}  # never pull_request_target
    assert wf["permissions"] == {}
    job = wf["jobs"]["rehearse"]
    cond = " ".join(job["if"].split())
    assert "github.event.pull_request.head.repo.full_name == github.repository" in cond
    assert "contains(github.event.pull_request.labels.*.name, 'rehearse')" in cond
    assert job["environment"] == "rehearsal"
    assert job["permissions"] == {"contents": "read", "pull-requests": "write"}
    for step in job["steps"]:
        assert "${{" not in step.get("run", ""), step.get("name")
    checkout = job["steps"][0]
    assert checkout["with"]["persist-credentials"] is False
