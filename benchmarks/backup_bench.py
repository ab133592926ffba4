"""Backup benchmark: a verified backup in S3 against a bare `pg_dump -Fc`, measured in one run.

    .venv/bin/python benchmarks/backup_bench.py --size-mb 1000      # about 1 GB, a few minutes
    .venv/bin/python benchmarks/backup_bench.py --size-mb 50        # quick check

Starts a throwaway PostgreSQL and SeaweedFS S3 server, fills a database with realistic rows
(md5 text, integers, timestamps, numerics, short repeated labels: compressible about 3:1, not
pgbench's blank padding), then times, one after the other:

  A  pg_dump -Fc > /dev/null                                   (the baseline)
  B  migration_manager.py backup        (pg_dump -Z0 | zstd -T | S3 multipart, SHA-256, manifest)
  C  migration_manager.py verify-backup --deep   (read back, hash, decompress, pg_restore --list)
  D  pg_dump -Fc -f FILE && aws s3 cp FILE s3://...            (the usual script)

and prints (B+C)/A (goal <= 0.4), D/(B+C) (goal >= 2.5) and the toolkit's peak RSS (goal < 150
MB, whatever the size). `aws` is used for D when on PATH (or --aws-cli); otherwise boto3's
upload_file, the same s3transfer engine `aws s3 cp` runs, stands in, and the output says so.

Measured on the 2-core machine this project is developed on (PostgreSQL 15, SeaweedFS 4.48),
see README.md, section "Backups", for the figures.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from toolkit.localdev.postgres import LocalPostgres  # noqa: E402
from toolkit.localdev.s3 import LocalS3  # noqa: E402

ROWS_PER_BATCH = 500_000

FILL_SQL = """
INSERT INTO events (user_id, kind, payload, ref, amount, created_at, updated_at)
SELECT (i * 7919) %% 100000,
       (ARRAY['signup','login','purchase','refund','view','search'])[1 + i %% 6],
       md5(i::text) || ' ' || md5((i * 31)::text),
       md5((i %% 50000)::text),
       round(((i * 37) %% 100000) / 100.0, 2),
       timestamptz '2024-01-01' + (i * interval '17 seconds'),
       timestamptz '2024-01-01' + (i * interval '17 seconds') + ((i %% 3600) * interval '1 second')
FROM generate_series(%(start)s::bigint, %(stop)s::bigint) AS i
"""


def fill(url: str, size_mb: int) -> tuple[int, int]:
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("""CREATE TABLE events (id bigserial PRIMARY KEY, user_id int NOT NULL, kind text NOT NULL,
                        payload text, ref text, amount numeric(12,2), created_at timestamptz, updated_at timestamptz)""")
        conn.execute("""CREATE TABLE users AS SELECT i AS id, 'user' || i || '@example.com' AS email,
                        md5(i::text) AS name, timestamptz '2023-01-01' + i * interval '5 minutes' AS created_at
                        FROM generate_series(1, 100000) i""")
        conn.execute("CREATE TABLE schema_migrations (migration_name text PRIMARY KEY, status text DEFAULT 'applied')")
        conn.execute("INSERT INTO schema_migrations (migration_name) VALUES ('20240101_000000_init')")
        start = 1
        while conn.execute("SELECT pg_database_size(current_database())").fetchone()[0] < size_mb * 1_000_000:
            batch = max(1000, min(ROWS_PER_BATCH, size_mb * 1_000_000 // 180))
            conn.execute(FILL_SQL, {"start": start, "stop": start + batch - 1})
            start += batch
        conn.execute("VACUUM ANALYZE")
        return conn.execute("SELECT pg_database_size(current_database())").fetchone()[0], start - 1


def timed(args: list[str], *, env: dict[str, str] | None = None, stdout=subprocess.DEVNULL) -> tuple[float, int, str]:
    """(wall seconds, peak RSS in bytes of the process, its stdout) for a command run to completion."""
    t0 = time.monotonic()
    out_file = tempfile.TemporaryFile() if stdout is subprocess.PIPE else stdout
    proc = subprocess.Popen(args, env=env, stdout=out_file, stderr=subprocess.PIPE)
    assert proc.stderr is not None
    err = proc.stderr.read()
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.monotonic() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    text = ""
    if stdout is subprocess.PIPE:
        out_file.seek(0)
        text = out_file.read().decode()
    if proc.returncode != 0:
        raise SystemExit(f"{args[0]} failed ({proc.returncode}): {err.decode(errors='replace')[-800:]}")
    return wall, usage.ru_maxrss * 1024, text


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--size-mb", type=int, default=1000, help="database size to generate (MB)")
    ap.add_argument("--aws-cli", help="path of `aws` for the usual-script baseline (default: on PATH)")
    ap.add_argument("--json", action="store_true", help="print the figures as JSON only")
    opts = ap.parse_args()

    pg = LocalPostgres().start()
    s3 = LocalS3().start()
    work = Path(tempfile.mkdtemp(prefix="backup-bench-"))
    try:
        url = pg.create_database("bench")
        t0 = time.monotonic()
        db_bytes, rows = fill(url, opts.size_mb)
        fill_s = time.monotonic() - t0
        s3.create_bucket("bench-backups")
        env = {**os.environ, **s3.env(), "BACKUP_S3_BUCKET": "bench-backups", "DATABASE_URL_BENCH": url,
               "CI": "true"}
        env["PGPASSWORD"] = pg.password
        cli = [sys.executable, str(REPO / "scripts" / "migration_manager.py")]
        pg_dump = str(pg.bindir / "pg_dump")
        dump_file = work / "bench.dump"

        # A: the baseline.
        a, _, _ = timed(["sh", "-c", f'exec "{pg_dump}" -Fc -d "$BENCH_CONNINFO" > /dev/null'],
                        env={**env, "BENCH_CONNINFO": url.replace(f":{pg.password}@", "@")})
        # B: the toolkit's backup (the environment `bench` comes from a config file).
        cfg = work / "migrate-action.toml"
        cfg.write_text("[environments.bench]\n")
        b, b_rss, out = timed([*cli, "backup", "--env", "bench", "--quiet", "--config", str(cfg), "--format", "json"],
                              env=env, stdout=subprocess.PIPE)
        backup = json.loads(out)
        # C: deep verification.
        c, c_rss, _ = timed([*cli, "verify-backup", "--uri", backup["uri"], "--deep", "--quiet", "--config", str(cfg)],
                            env=env)
        # D: the usual script.
        aws = opts.aws_cli or shutil.which("aws")
        d1, _, _ = timed(["sh", "-c", f'exec "{pg_dump}" -Fc -d "$BENCH_CONNINFO" -f "{dump_file}"'],
                         env={**env, "BENCH_CONNINFO": url.replace(f":{pg.password}@", "@")})
        fc_size = dump_file.stat().st_size
        if aws:
            upload = [aws, "s3", "cp", "--only-show-errors", str(dump_file), "s3://bench-backups/plain/bench.dump"]
            uploader = "aws s3 cp"
        else:
            upload = [sys.executable, "-c",
                      "import boto3,sys; boto3.client('s3').upload_file(sys.argv[1], 'bench-backups', 'plain/bench.dump')",
                      str(dump_file)]
            uploader = "boto3 upload_file (s3transfer, the engine of aws s3 cp; no aws CLI found)"
        d2, _, _ = timed(upload, env=env)
        d = d1 + d2
        figures = {
            "database_bytes": db_bytes, "rows": rows, "fill_s": round(fill_s, 1),
            "pg_dump_Fc_devnull_s": round(a, 2),
            "toolkit_backup_s": round(b, 2), "toolkit_deep_verify_s": round(c, 2),
            "usual_script_s": round(d, 2), "usual_pg_dump_s": round(d1, 2), "usual_upload_s": round(d2, 2),
            "usual_uploader": uploader,
            "ratio_backup_plus_verify_over_pg_dump": round((b + c) / a, 3),
            "ratio_usual_script_over_pg_dump": round(d / a, 3),
            "toolkit_speedup_over_usual_script": round(d / (b + c), 2),
            "toolkit_backup_peak_rss_mb": round(b_rss / 2**20, 1),
            "toolkit_verify_peak_rss_mb": round(c_rss / 2**20, 1),
            "object_bytes_zstd": backup["size_bytes"], "dump_bytes_uncompressed": backup["dump_bytes"],
            "pg_dump_Fc_file_bytes": fc_size, "cpus": os.cpu_count(),
        }
        if opts.json:
            print(json.dumps(figures, indent=2))
            return
        mb = 1e6
        print(f"database: {db_bytes / mb:.0f} MB, {rows} event rows (+100000 users); filled in {fill_s:.0f} s; "
              f"{os.cpu_count()} CPUs")
        print(f"A  pg_dump -Fc > /dev/null                    {a:7.1f} s")
        print(f"B  toolkit backup (zstd, S3, SHA-256)          {b:7.1f} s   peak RSS {b_rss / 2**20:.0f} MB   "
              f"{backup['size_bytes'] / mb:.0f} MB object from {backup['dump_bytes'] / mb:.0f} MB dump")
        print(f"C  toolkit verify-backup --deep                {c:7.1f} s   peak RSS {c_rss / 2**20:.0f} MB")
        print(f"D  pg_dump -Fc -f file && upload               {d:7.1f} s   ({d1:.1f} + {d2:.1f}; {uploader}; "
              f"{fc_size / mb:.0f} MB file)")
        print(f"(B + C) / A = {(b + c) / a:.2f}   (goal <= 0.4)")
        print(f"D / A       = {d / a:.2f}")
        print(f"D / (B + C) = {d / (b + c):.2f}   (goal >= 2.5)")
        print(f"peak RSS    = {max(b_rss, c_rss) / 2**20:.0f} MB   (goal < 150 MB)")
        print(json.dumps(figures))
    finally:
        s3.stop()
        pg.stop()
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
