"""verify-rollbacks' JSON per migration: interruptions are objects with their fields in order and
the differences as a list. Pure: built from the value types, no database."""

from __future__ import annotations

import json

from toolkit.proof.roundtrip import FAILED, Interruption, MigrationProof
from toolkit.proof.safety import SafetyClass


def test_a_proof_with_interruptions_serialises_them_field_by_field():
    proof = MigrationProof(name="m1", status=FAILED, safety=SafetyClass("lossy", "drops a column", ("column t.c",)),
                           phase="interrupted re-run", error="boom",
                           interruptions=(Interruption(1, True), Interruption(2, False, ("table t: gone",), "e")))
    doc = proof.to_dict()
    assert doc["interruptions"] == [
        {"after_statement": 1, "converged": True, "differences": [], "error": None},
        {"after_statement": 2, "converged": False, "differences": ["table t: gone"], "error": "e"}]
    assert [list(i) for i in doc["interruptions"]] == [["after_statement", "converged", "differences", "error"]] * 2
    assert doc["proved"] is False and doc["safety_class"] == "lossy" and doc["safety_reason"] == "drops a column"
    assert json.loads(json.dumps(doc)) == doc  # plain JSON types only
