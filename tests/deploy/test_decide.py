"""Pure decisions: rollback inputs, modes, migration lists, refs, booleans."""

from __future__ import annotations

import pytest

from toolkit.deploy.decide import (
    check_newest_first,
    dispatch_inputs,
    dispatch_ref,
    parse_bool,
    parse_migration_list,
)
from toolkit.errors import UsageError

A, B, C = "20241201_090000_create_users", "20241227_120000_add_user_preferences", "20250105_100000_add_users_status"


def test_dispatch_inputs_list_the_migrations_newest_first_as_strings():
    inputs = dispatch_inputs(environment="uat", applied=[A, B, C], backup_uri="s3://b/k", deployment_id=42,
                             reason="health checks failed", mode="migrations", sha="f" * 40)
    assert inputs == {"environment": "uat", "mode": "migrations", "migrations": f"{C},{B},{A}",
                      "backup-uri": "s3://b/k", "deployment-id": "42", "reason": "health checks failed",
                      "sha": "f" * 40}
    assert all(isinstance(v, str) for v in inputs.values())
    no_backup = dispatch_inputs(environment="dev", applied=[A], backup_uri=None, deployment_id=None,
                                reason="x", mode="migrations", sha=None)
    assert no_backup["backup-uri"] == "" and no_backup["deployment-id"] == "" and "sha" not in no_backup


@pytest.mark.parametrize("text", [f"{C},{B}", f"{C}, {B}", f"{C}\n{B}", f'["{C}", "{B}"]', f"{C}.sql,{B}.sql"])
def test_parse_migration_list_forms(text):
    assert parse_migration_list(text) == [C, B]


@pytest.mark.parametrize("bad", ["drop table users", f"{C},{C}", "[1, 2]", "[not json", f"{C}_rollback",
                                 "20250105_100000_x; rm -rf /"])
def test_parse_migration_list_refuses_what_is_not_a_migration(bad):
    with pytest.raises(UsageError):
        parse_migration_list(bad)


def test_newest_first_is_enforced():
    check_newest_first([C, B, A])
    with pytest.raises(UsageError, match="newest first") as e:
        check_newest_first([A, C])
    assert C + "," + A in e.value.hint


def test_dispatch_ref():
    assert dispatch_ref("refs/heads/main", "main") == "main"
    assert dispatch_ref("refs/tags/v1.2", "main") == "v1.2"
    assert dispatch_ref("refs/pull/7/merge", "trunk") == "trunk"
    assert dispatch_ref(None, None) is None


def test_parse_bool():
    assert parse_bool("TRUE", "x") is True and parse_bool("", "x") is False and parse_bool("off", "x") is False
    with pytest.raises(UsageError, match="auto-rollback must be true or false"):
        parse_bool("maybe", "auto-rollback")
