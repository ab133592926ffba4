"""Backups: backup, verify-backup, list-backups (these change no database: never a confirmation),
and restore (writes, so it asks on environments configured to confirm, like production)."""

from __future__ import annotations

import json
import os

import click

from toolkit.cli.common import dir_option, echo_json, env_options, format_option, make_context
from toolkit.console import confirm_environment, info, style
from toolkit.errors import ToolkitError, UsageError


def _s3_options(f):
    f = click.option("--prefix", metavar="P", help="Key prefix (default: $BACKUP_S3_PREFIX, [backup] prefix, "
                                                   "else migrate-action).")(f)
    f = click.option("--bucket", metavar="B", help="Bucket (default: $BACKUP_S3_BUCKET, else [backup] bucket).")(f)
    return f


_quiet = click.option("--quiet", "-q", is_flag=True, help="No progress lines on stderr.")


def _targets(env) -> list[str]:
    """Names of the environment variables holding the URLs of every database of `env`."""
    main = env.url_env if os.environ.get(env.url_env) else "DATABASE_URL" if os.environ.get("DATABASE_URL") else None
    if main is None:
        raise UsageError(f"no database URL for environment '{env.name}'",
                         hint=f"set {env.url_env} (or DATABASE_URL)")
    return [main, *env.extra_url_envs]


@click.command()
@env_options
@_s3_options
@click.option("--url-var", metavar="NAME",
              help="Back up the database whose URL is in environment variable NAME (keeps the URL off "
                   "the command line; backup-databases.sh uses it).")
@click.option("--list-targets", is_flag=True,
              help="Print the names of the variables holding every database URL of the environment "
                   "(its own, then extra_url_envs), one per line, and exit.")
@format_option("text", "json")
@_quiet
def backup(env_name: str, database_url: str | None, migrations_dir: str | None, config_file: str | None,
           bucket: str | None, prefix: str | None, url_var: str | None, list_targets: bool, fmt: str,
           quiet: bool) -> None:
    """Stream pg_dump into S3 (zstd, SHA-256 checked) with a manifest; print the backup's URI.

    Reads only: never asks for confirmation, on production either. The backup counts as verified
    (for `migrate --env production`) only if pg_dump exited 0 and S3's size and checksum match
    what was streamed; otherwise nothing is left behind and the exit code is 1.
    """
    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    if list_targets:
        for name in _targets(ctx.env):
            click.echo(name)
        return
    if url_var:
        if database_url:
            raise UsageError("--url-var and --database-url are exclusive")
        url = os.environ.get(url_var)
        if not url:
            raise UsageError(f"environment variable {url_var} is not set (or empty)")
    else:
        url = ctx.database_url
    from toolkit.backup.manifest import human_bytes
    from toolkit.backup.take import take_backup

    result = take_backup(ctx.config, ctx.env, url, bucket=bucket, prefix=prefix, progress=not quiet)
    m = result.manifest
    info(f"{style('verified', fg='green')} backup of {env_name} database {m['database']['name']}: "
         f"{human_bytes(m['size_bytes'])} ({human_bytes(m['dump_bytes'])} dump), {len(m['tables'])} tables, "
         f"migration {m['newest_migration'] or '(none)'}, {m['duration_s']:.1f} s")
    if fmt == "json":
        click.echo(json.dumps({
            "uri": result.uri, "manifest_uri": result.manifest_uri, "verified": result.verified,
            "environment": m["environment"], "database": m["database"]["name"], "size_bytes": m["size_bytes"],
            "dump_bytes": m["dump_bytes"], "sha256": m["sha256"], "newest_migration": m["newest_migration"],
            "started_at": m["started_at"], "duration_s": m["duration_s"]}))
    else:
        click.echo(result.uri)


@click.command("verify-backup")
@click.option("--uri", required=True, metavar="s3://B/KEY", help="The backup (its dump or its manifest).")
@click.option("--deep", is_flag=True, help="Read the object back: SHA-256, full decompression, pg_restore --list.")
@click.option("--restore-test", is_flag=True, help="Also restore it into a scratch database and compare row counts.")
@click.option("--scratch-url", metavar="URL", envvar="SCRATCH_DATABASE_URL",
              help="For --restore-test: a server where a temporary database may be created "
                   "(default: $SCRATCH_DATABASE_URL).")
@click.option("--no-record", is_flag=True, help="Do not write the result into the manifest.")
@dir_option
@format_option("text", "json")
@_quiet
def verify_backup(uri: str, deep: bool, restore_test: bool, scratch_url: str | None, no_record: bool,
                  migrations_dir: str | None, config_file: str | None, fmt: str, quiet: bool) -> None:
    """Prove a backup is intact (exit 1 if not); the result is recorded in its manifest."""
    from toolkit.backup.verify import verify_backup as run

    ctx = make_context(migrations_dir, config_file)
    result = run(ctx.config, uri, deep=deep, restore_test=restore_test, scratch_url=scratch_url,
                 progress=not quiet, record=not no_record)
    for dropped in result.scratch_cleaned:
        info(f"dropped leftover scratch database {dropped}")
    if fmt == "json":
        click.echo(json.dumps({"uri": result.uri, "verified": result.verified, "level": result.level,
                               "checks": result.checks, "problems": result.problems, "recorded": result.recorded,
                               "not_checked": result.not_checked, "scratch_cleaned": result.scratch_cleaned}))
    else:
        for name, ok in result.checks.items():
            info(f"  {style('ok  ', fg='green') if ok else style('FAIL', fg='red', bold=True)}  {name}")
        if result.not_checked:
            info(f"  not checked: {result.not_checked}")
    if not result.verified:
        raise ToolkitError(f"{result.uri} failed {result.level} verification: {result.error}",
                           hint="take a new backup; this one is no longer accepted by the production gate"
                           if result.recorded else None)
    if fmt != "json":
        click.echo(f"verified ({result.level}): {result.uri}")


@click.command("list-backups")
@click.option("--env", "env_name", required=True, metavar="ENV", help="Environment whose backups to list.")
@click.option("--database", metavar="NAME", help="Only this database.")
@click.option("--limit", type=click.IntRange(min=1), default=20, show_default=True)
@_s3_options
@dir_option
@format_option("text", "json")
def list_backups(env_name: str, database: str | None, limit: int, bucket: str | None, prefix: str | None,
                 migrations_dir: str | None, config_file: str | None, fmt: str) -> None:
    """List backups (from their manifests), newest first."""
    from toolkit.backup.listing import list_backups as run
    from toolkit.backup.manifest import human_bytes

    ctx = make_context(migrations_dir, config_file, env_name)
    manifests = run(ctx.config, env_name, database=database, bucket=bucket, prefix=prefix, limit=limit)
    if fmt == "json":
        echo_json([{k: m.get(k) for k in ("uri", "manifest_uri", "environment", "started_at", "finished_at",
                                          "size_bytes", "dump_bytes", "sha256", "newest_migration",
                                          "verification", "git")}
                   | {"database": m["database"].get("name"), "tables": len(m["tables"])} for m in manifests])
        return
    if not manifests:
        click.echo(f"No backups of '{env_name}' yet.")
        return
    click.echo(f"{'STARTED (UTC)':<20}  {'DATABASE':<16}  {'SIZE':>9}  {'VERIFIED':<14}  {'MIGRATION':<32}  URI")
    for m in manifests:
        v = m.get("verification") or {}
        state = f"{'yes' if v.get('verified') else 'NO'} ({v.get('level', '?')})"
        click.echo(f"{m['started_at']:<20}  {m['database'].get('name', ''):<16}  {human_bytes(m['size_bytes']):>9}  "
                   f"{state:<14}  {m.get('newest_migration') or '-':<32}  {m['uri']}")


@click.command()
@click.option("--uri", required=True, metavar="s3://B/KEY", help="The backup to restore.")
@env_options
@click.option("--yes", is_flag=True, help="Confirm non-interactively (environments that ask, like production).")
@click.option("--from-other-database", metavar="ENV/DATABASE",
              help="Restore a backup taken of another database (or an older one whose manifest records no "
                   "identity); must name the backup's source exactly, e.g. dev/devdb.")
@_quiet
def restore(uri: str, env_name: str, database_url: str | None, migrations_dir: str | None,
            config_file: str | None, yes: bool, from_other_database: str | None, quiet: bool) -> None:
    """Replace the database with a backup, exactly as it was (newer tables do not survive).

    One transaction: every user schema is dropped and the dump restored (no owners); if anything
    fails, or the object does not hash to its manifest's SHA-256, nothing changes. A backup of
    another database (by environment, name, oid and server) is refused without --from-other-database.
    """
    from toolkit.backup.restore import preflight, restore_backup

    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    url = ctx.database_url
    what = preflight(ctx.config, ctx.env, url, uri, from_other_database=from_other_database)
    if ctx.env.confirm:
        confirm_environment(ctx.env.name, what, assume_yes=yes)
    result = restore_backup(ctx.config, ctx.env, url, uri, progress=not quiet,
                            from_other_database=from_other_database)
    info(f"restored {result.uri} into {env_name} database {result.database} in {result.duration_s:.1f} s; "
         f"newest migration now {result.newest_migration or '(none)'}"
         + (f"; recorded at {result.record_uri}" if result.record_uri else ""))
    if not result.ok:
        shown = ", ".join(f"{t} {e}->{a}" for t, (e, a) in list(result.mismatches.items())[:5])
        raise ToolkitError(f"restored, but row counts differ from the backup's (expected->restored): {shown}")
    click.echo(f"restored: {result.uri}")
