"""Pure manifest logic: naming, S3's composite checksum, validation, and the gate's judgement."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest

from toolkit.backup import manifest as mf

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def make(**over):
    base = mf.build_manifest(
        uri="s3://b/p/production/app/x.dump.zst", environment="production",
        database={"name": "app", "host": "h", "port": "5432"}, pg_dump={"exit_code": 0},
        compression={"method": "zstd", "level": 1}, newest_migration="20240102_000000_b",
        migrations_table="schema_migrations", started=NOW - timedelta(minutes=11), finished=NOW - timedelta(minutes=10),
        dump_bytes=100, size_bytes=40, sha256="ab" * 32, s3_checksum={"value": "x-1"}, tables={"public.t": 3},
        verification={"verified": True, "level": "basic"}, git={}, toolkit_version="0")
    base.update(over)
    return base


def test_composite_checksum_is_sha256_of_part_digests_with_part_count():
    parts = [b"a" * 10, b"b" * 3]
    digests = [hashlib.sha256(p).digest() for p in parts]
    expected = base64.b64encode(hashlib.sha256(digests[0] + digests[1]).digest()).decode() + "-2"
    assert mf.composite_sha256(digests) == expected
    assert mf.composite_sha256(digests[:1]) != expected


def test_keys_sort_by_time_and_manifest_sits_next_to_dump():
    early = mf.object_key("pre", "production", "my db", datetime(2024, 5, 1, tzinfo=UTC), "aaaaaa", "zstd")
    late = mf.object_key("pre", "production", "my db", datetime(2024, 5, 2, tzinfo=UTC), "000000", "zstd")
    assert early.startswith("pre/production/my_db/") and early.endswith(".dump.zst")
    assert early < late
    assert mf.manifest_key(early) == early[: -len(".dump.zst")] + ".manifest.json"
    assert mf.manifest_key(mf.manifest_key(early)) == mf.manifest_key(early)
    gz = mf.object_key("", "dev", "app", NOW, "t", "gzip")
    assert gz == "dev/app/20250101T120000Z-t.dump" and mf.manifest_key(gz) == "dev/app/20250101T120000Z-t.manifest.json"


def test_check_manifest_rejects_foreign_or_incomplete_documents():
    assert mf.check_manifest(make())["environment"] == "production"
    with pytest.raises(mf.ManifestError, match="not a migrate-action"):
        mf.check_manifest({**make(), "format": "other"})
    broken = make()
    del broken["sha256"]
    with pytest.raises(mf.ManifestError, match="sha256"):
        mf.check_manifest(broken)
    with pytest.raises(mf.ManifestError, match="compression"):
        mf.check_manifest(make(compression={"method": "lz4"}))


def judge(m, **kw):
    args = {"environment": "production", "database": "app", "now": NOW, "max_age": timedelta(minutes=60),
            "current_migration": "20240102_000000_b"} | kw
    return mf.judge_for_gate(m, **args)


def test_gate_accepts_fresh_verified_backup_at_current_migration():
    assert judge(make()) is None


@pytest.mark.parametrize(("change", "kw", "reason"), [
    ({"verification": {"verified": False, "error": "SHA-256 mismatch"}}, {}, "SHA-256 mismatch"),
    ({}, {"max_age": timedelta(minutes=5)}, "old"),
    ({}, {"current_migration": "20240103_000000_c"}, "now at 20240103_000000_c"),
    ({}, {"database": "other"}, "database 'app'"),
    ({"environment": "uat"}, {}, "environment 'uat'"),
])
def test_gate_rejects_with_reason(change, kw, reason):
    assert reason in judge(make(**change), **kw)


def test_a_failed_deeper_check_replaces_the_verification_and_keeps_history():
    m = mf.with_verification(make(), {"verified": False, "level": "deep", "error": "truncated"})
    assert not mf.is_verified(m)
    assert m["verification_history"][-1]["level"] == "basic"


# -- the typed Manifest: every shape written so far is read; what is written is what was built ----
def written(doc) -> bytes:
    """The bytes put_json stores."""
    import json

    return (json.dumps(doc, indent=2, sort_keys=True) + "\n").encode()


def test_a_new_manifest_round_trips_to_the_same_bytes():
    doc = make()
    m = mf.Manifest.from_json(written(doc))
    assert (m.size_bytes, m.database.name, m.compression_method, m.verified) == (40, "app", "zstd", True)
    assert m.newest_migration == "20240102_000000_b" and m.s3_checksum_value == "x-1"
    assert written(m.to_json()) == written(doc)


def test_an_old_manifest_without_source_identity_is_read_and_cannot_prove_its_source():
    doc = make(database={"name": "app", "host": "h", "port": "5432", "server_version": "15.4", "size_bytes": 9})
    m = mf.Manifest.from_json(doc)
    assert m.database.oid is None and m.database.system_identifier is None
    assert "predates source identities" in mf.identity_mismatch(
        m, environment="production", database=mf.SourceDatabase("app", 16390, "7412"))
    out = m.to_json()
    assert written(out) == written(doc)


def test_a_minimal_manifest_gets_defaults_and_unknown_keys_survive_a_rewrite():
    doc = {k: v for k, v in make().items() if k in ("format", "version", "uri", "environment", "database",
                                                    "compression", "started_at", "finished_at", "size_bytes",
                                                    "dump_bytes", "sha256", "s3_checksum", "tables", "verification")}
    doc["from_a_newer_toolkit"] = {"x": 1}
    m = mf.Manifest.from_json(doc)
    assert m.newest_migration is None and m.pg_dump_exit_code is None and m.verification_history is None
    again = mf.Manifest.from_json(written(m.with_verification({"verified": True, "level": "deep"}).to_json()))
    assert again.more == {"from_a_newer_toolkit": {"x": 1}}
    assert [v.level for v in again.verification_history] == ["basic"] and again.verification.level == "deep"


@pytest.mark.parametrize(("doc", "reason"), [
    (b"{not json", "not valid JSON"),
    (b"[1]", "not a JSON object"),
    ({**make(), "version": 2}, "version 2"),
    ({**make(), "tables": {"public.t": "3"}}, "row count"),
    ({**make(), "database": {"name": "app", "oid": "16390"}}, "'oid'"),
    ({**make(), "finished_at": "yesterday"}, "ISO time"),
])
def test_a_malformed_manifest_is_refused_naming_the_problem(doc, reason):
    with pytest.raises(mf.ManifestError, match=reason):
        mf.Manifest.from_json(doc)


def test_the_manifest_reads_as_its_document_for_callers_indexing_by_key():
    m = mf.Manifest.from_json(make(), manifest_uri="s3://b/x.manifest.json")
    assert m["database"]["name"] == "app" and m.get("manifest_uri") == "s3://b/x.manifest.json"
    m["database"]["name"] = "changed"  # a copy: the manifest itself cannot be changed
    assert m.database.name == "app" and "manifest_uri" not in m.to_json()
