"""The action's outputs as one typed value: every command sets every output (empty when it has none),
so a workflow reading `steps.<id>.outputs.<name>` never sees a value left over from another step."""

from __future__ import annotations

import json

import msgspec


class ActionOutputs(msgspec.Struct, frozen=True):
    """action.yml's `outputs:`, one field each (dashes in the names there, underscores here)."""

    result: str  # success, failure, rolled-back, dry-run, nothing-to-do
    applied: tuple[str, ...] = ()  # applied (deploy) or rolled back (rollback), newest last
    backup_uri: str = ""
    deployment_id: int | None = None
    plan_markdown: str = ""  # path of the plan as Markdown (plan, deploy)
    rehearsal_file: str = ""  # path of the rehearsal's comment section (rehearse)

    def as_dict(self) -> dict[str, str]:
        """name -> value as the runner stores them (strings; `applied` a JSON list)."""
        return {"applied": json.dumps(list(self.applied)), "backup-uri": self.backup_uri,
                "deployment-id": str(self.deployment_id or ""), "plan-markdown": self.plan_markdown,
                "rehearsal-file": self.rehearsal_file, "result": self.result}

    def publish(self) -> bool:
        """Append them to $GITHUB_OUTPUT; False outside Actions."""
        from toolkit.github.context import set_outputs

        return set_outputs(self.as_dict())


FAILURE = ActionOutputs(result="failure")
