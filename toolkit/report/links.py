"""Where each rule's page lives (docs/rules/<id>.md, generated from the rules), for the links every
finding carries in the PR comment, the text report and the annotations."""

from __future__ import annotations

# The pages as published with the action's release; README uses the same placeholder repository.
DOCS_URL = "https://github.com/org/migrate-action/blob/v1/docs"


def rule_url(rule_id: str) -> str:
    return f"{DOCS_URL}/rules/{rule_id}.md"
