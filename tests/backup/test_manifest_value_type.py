"""Manifest is a msgspec Struct that is also a read-only Mapping: the behaviour its callers had from
the frozen dataclass must hold (field-by-field equality, immutability, copies, pickling)."""

from __future__ import annotations

import copy
import pickle
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta

import msgspec
import pytest

from toolkit.backup import manifest as mf

NOW = datetime(2025, 1, 1, 12, 0, tzinfo=UTC)


def document() -> dict:
    return mf.build_manifest(
        uri="s3://b/p/production/app/x.dump.zst", environment="production",
        database={"name": "app", "host": "h"}, pg_dump={"exit_code": 0}, compression={"method": "zstd"},
        newest_migration="20240102_000000_b", migrations_table="schema_migrations",
        started=NOW - timedelta(minutes=11), finished=NOW - timedelta(minutes=10), dump_bytes=100,
        size_bytes=40, sha256="ab" * 32, s3_checksum={"value": "x-1"}, tables={"public.t": 3},
        verification={"verified": True, "level": "basic"}, git={}, toolkit_version="0")


def test_a_manifest_is_a_mapping_equal_to_another_by_its_fields_not_to_its_document():
    m = mf.Manifest.from_json(document())
    assert isinstance(m, Mapping) and dict(m.items()) == m.to_json() and len(m) == len(m.to_json())
    assert m == mf.Manifest.from_json(document())
    assert m != mf.Manifest.from_json({**document(), "size_bytes": 41})
    assert m != m.to_json()  # a Mapping's own __eq__ would say equal: the fields decide, as before


def test_a_manifest_cannot_be_changed_and_with_verification_builds_a_new_one():
    m = mf.Manifest.from_json(document(), manifest_uri="s3://b/x.manifest.json")
    assert m["verification"]["level"] == "basic"  # fills the cached document
    with pytest.raises(AttributeError):
        m.size_bytes = 1  # type: ignore[misc]
    newer = m.with_verification({"verified": True, "level": "deep"})
    assert newer["verification"]["level"] == "deep" and m["verification"]["level"] == "basic"
    assert [v["level"] for v in newer["verification_history"]] == ["basic"]
    assert newer.manifest_uri == m.manifest_uri


def test_a_manifest_survives_pickle_copy_and_json_round_trips():
    m = mf.Manifest.from_json(document(), manifest_uri="s3://b/x.manifest.json")
    m.get("uri")  # a cached document must not leak into copies as stale state
    for other in (pickle.loads(pickle.dumps(m)), copy.deepcopy(m), copy.copy(m)):
        assert other == m and other["manifest_uri"] == "s3://b/x.manifest.json"
    again = mf.Manifest.from_json(msgspec.json.encode(m.to_json()), manifest_uri=m.manifest_uri)
    assert again == m and again is not m
