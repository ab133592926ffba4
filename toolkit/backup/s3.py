"""The S3 client and its errors: botocore's standard retry mode (backoff with jitter on throttling,
5xx and connection errors), endpoint/region from settings, credentials from boto3's usual chain
(environment, profile, web identity / OIDC role in Actions, instance metadata).

Every botocore failure becomes one ToolkitError line that says what was being done and why it
failed, without a traceback.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import msgspec
from botocore.config import Config as BotoConfig
from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    ConnectionClosedError,
    EndpointConnectionError,
    NoCredentialsError,
    PartialCredentialsError,
    ReadTimeoutError,
)

from toolkit.config import BackupSettings
from toolkit.errors import ToolkitError, UsageError

CREDENTIALS_HINT = ("credentials come from boto3's chain: AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, "
                    "AWS_PROFILE, or an OIDC role (aws-actions/configure-aws-credentials) in Actions")


class S3Uri(msgspec.Struct, frozen=True):
    bucket: str
    key: str

    def __str__(self) -> str:
        return f"s3://{self.bucket}/{self.key}"


def parse_uri(uri: str) -> S3Uri:
    if not uri.startswith("s3://"):
        raise UsageError(f"not an s3:// URI: {uri!r}", hint="expected s3://BUCKET/KEY")
    bucket, _, key = uri[len("s3://"):].partition("/")
    if not bucket or not key:
        raise UsageError(f"not an s3://BUCKET/KEY URI: {uri!r}")
    return S3Uri(bucket, key)


def make_client(settings: BackupSettings, *, max_pool: int = 10):
    """An S3 client; path-style addressing for custom endpoints (what S3-compatible stores expect)."""
    # Every part carries its own SHA-256 header, which S3 checks: signing the payload as well
    # would hash every byte a second time (botocore does it on plain-http endpoints).
    s3_opts: dict[str, Any] = {"payload_signing_enabled": False}
    if settings.endpoint_url:
        s3_opts["addressing_style"] = "path"
    config = BotoConfig(
        retries={"mode": "standard"},
        connect_timeout=10,
        read_timeout=120,
        max_pool_connections=max_pool,
        s3=s3_opts,
        # We send our own SHA-256 for each part; no extra default CRC32 pass on top.
        request_checksum_calculation="when_required",
        response_checksum_validation="when_required",
    )
    try:
        session = boto3.session.Session(region_name=settings.region)
        return session.client("s3", endpoint_url=settings.endpoint_url or None, config=config)
    except (BotoCoreError, ValueError) as exc:
        raise ToolkitError(f"cannot set up the S3 client: {exc}", hint=CREDENTIALS_HINT) from None


def error_code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


_REFUSED = {"InvalidAccessKeyId", "SignatureDoesNotMatch", "AccessDenied", "ExpiredToken",
            "InvalidToken", "InvalidClientTokenId", "AuthorizationHeaderMalformed", "403"}


def describe_error(exc: Exception, *, bucket: str | None = None, key: str | None = None) -> tuple[str, str | None]:
    """(one-line reason, hint) for a botocore exception."""
    if isinstance(exc, (NoCredentialsError, PartialCredentialsError)):
        return "no AWS credentials found", CREDENTIALS_HINT
    if isinstance(exc, EndpointConnectionError):
        return (f"cannot reach the S3 endpoint {exc.kwargs.get('endpoint_url', '')}",
                "check AWS_ENDPOINT_URL_S3 / [backup] endpoint_url and the network")
    if isinstance(exc, (ReadTimeoutError, ConnectionClosedError)):
        return f"the S3 endpoint stopped answering ({exc})", "retried with backoff; try again later"
    if isinstance(exc, ClientError):
        code = error_code(exc)
        msg = exc.response.get("Error", {}).get("Message") or code
        if code == "NoSuchBucket":
            return f"bucket '{bucket}' does not exist", "create it, or set BACKUP_S3_BUCKET / --bucket"
        if code in ("NoSuchKey", "404", "NotFound"):
            return f"no such object: s3://{bucket}/{key}", "list backups with `list-backups --env ENV`"
        if code == "NoSuchUpload":
            return "the multipart upload was aborted on the server", None
        if code in _REFUSED:
            return f"S3 refused the request ({code}: {msg})", CREDENTIALS_HINT
        return f"S3 error {code}: {msg}", None
    return str(exc) or exc.__class__.__name__, None


@contextmanager
def s3_errors(action: str, *, bucket: str | None = None, key: str | None = None) -> Iterator[None]:
    """Turn botocore exceptions raised inside into `cannot <action>: <reason>`."""
    try:
        yield
    except (BotoCoreError, ClientError) as exc:
        reason, hint = describe_error(exc, bucket=bucket, key=key)
        raise ToolkitError(f"cannot {action}: {reason}", hint=hint) from None


def get_json(client, bucket: str, key: str) -> dict[str, Any]:
    with s3_errors(f"read s3://{bucket}/{key}", bucket=bucket, key=key):
        body = client.get_object(Bucket=bucket, Key=key)["Body"].read()
    try:
        value = json.loads(body)
    except ValueError:
        raise ToolkitError(f"s3://{bucket}/{key} is not valid JSON") from None
    if not isinstance(value, dict):
        raise ToolkitError(f"s3://{bucket}/{key} is not a JSON object")
    return value


def put_json(client, settings: BackupSettings, bucket: str, key: str, value: dict[str, Any]) -> None:
    body = (json.dumps(value, indent=2, sort_keys=True) + "\n").encode()
    with s3_errors(f"write s3://{bucket}/{key}", bucket=bucket, key=key):
        client.put_object(Bucket=bucket, Key=key, Body=body, ContentType="application/json",
                          **object_args(settings, with_storage_class=False))


def object_args(settings: BackupSettings, *, with_storage_class: bool = True) -> dict[str, str]:
    """Server-side encryption and storage class for new objects."""
    args: dict[str, str] = {}
    if settings.sse:
        if settings.sse not in ("AES256", "aws:kms", "aws:kms:dsse"):
            raise UsageError(f"unknown [backup] sse {settings.sse!r}", hint="use AES256 or aws:kms")
        args["ServerSideEncryption"] = settings.sse
        if settings.kms_key_id:
            args["SSEKMSKeyId"] = settings.kms_key_id
    elif settings.kms_key_id:
        args["ServerSideEncryption"] = "aws:kms"
        args["SSEKMSKeyId"] = settings.kms_key_id
    if with_storage_class and settings.storage_class:
        args["StorageClass"] = settings.storage_class
    return args
