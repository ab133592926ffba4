"""Finding backups: manifests under <prefix>/<env>/, newest first. A dump without a manifest next
to it (an upload that failed after completing, say) is never listed: it is not a backup."""

from __future__ import annotations

from toolkit.backup.manifest import MANIFEST_SUFFIX, Manifest, ManifestError, folder, manifest_key
from toolkit.backup.s3 import S3Uri, get_json, make_client, parse_uri, s3_errors
from toolkit.config import Config
from toolkit.errors import ToolkitError


def read_manifest(client, uri: S3Uri) -> tuple[S3Uri, Manifest]:
    """(the dump's URI, its manifest) from the URI of either the dump or the manifest."""
    mkey = manifest_key(uri.key)
    try:
        data = get_json(client, uri.bucket, mkey)
    except ToolkitError as exc:
        if "no such object" in exc.message:
            raise ToolkitError(f"{uri} has no manifest next to it (s3://{uri.bucket}/{mkey}): "
                               "it is not a finished migrate-action backup",
                               hint="list backups with `list-backups --env ENV`") from None
        raise
    try:
        manifest = Manifest.from_json(data, manifest_uri=f"s3://{uri.bucket}/{mkey}")
    except ManifestError as exc:
        raise ToolkitError(f"s3://{uri.bucket}/{mkey}: {exc}") from None
    # The given bucket wins over the recorded one, so backups copied to another bucket still work.
    obj = uri if not uri.key.endswith(MANIFEST_SUFFIX) else S3Uri(uri.bucket, parse_uri(manifest.uri).key)
    return obj, manifest


def manifest_keys(client, bucket: str, prefix: str) -> list[str]:
    keys: list[str] = []
    with s3_errors(f"list s3://{bucket}/{prefix}", bucket=bucket):
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            keys += [o["Key"] for o in page.get("Contents", []) if o["Key"].endswith(MANIFEST_SUFFIX)]
    return keys


def newest_manifests(client, bucket: str, prefix: str, *, limit: int | None = None,
                     skip_invalid: bool = True) -> list[Manifest]:
    """Manifests under a prefix, newest first (key order within a database folder is time order;
    across databases, their started_at decides)."""
    keys = manifest_keys(client, bucket, prefix)
    keys.sort(key=lambda k: k.rsplit("/", 1)[-1], reverse=True)
    out: list[Manifest] = []
    for key in keys:
        if limit is not None and len(out) >= limit:
            break
        try:
            manifest = Manifest.from_json(get_json(client, bucket, key), manifest_uri=f"s3://{bucket}/{key}")
        except (ManifestError, ToolkitError):
            if skip_invalid:
                continue
            raise
        out.append(manifest)
    out.sort(key=lambda m: m.started_at, reverse=True)
    return out


def list_backups(config: Config, env_name: str, *, database: str | None = None, bucket: str | None = None,
                 prefix: str | None = None, limit: int | None = None) -> list[Manifest]:
    from toolkit.backup.take import resolve_bucket

    settings = config.backup
    bucket = resolve_bucket(settings, bucket)
    prefix = settings.prefix if prefix is None else prefix
    client = make_client(settings)
    return newest_manifests(client, bucket, folder(prefix, env_name, database), limit=limit)
