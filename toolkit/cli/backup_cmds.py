"""Backups: backup, verify-backup, list-backups (these change no database: never a confirmation),
and restore (writes, so it asks on environments configured to confirm, like production).

Adapters over the use cases in toolkit.app.backup: parse the options, build the settings, call one
use case, render its result, choose the exit code.
"""

from __future__ import annotations

import json

import click

from toolkit.cli.common import (
    confirm_callback,
    dir_option,
    echo_json,
    env_options,
    format_option,
    make_context,
)
from toolkit.console import info, style
from toolkit.errors import ToolkitError


def _s3_options(f):
    f = click.option("--prefix", metavar="P", help="Key prefix (default: $BACKUP_S3_PREFIX, [backup] prefix, "
                                                   "else migrate-action).")(f)
    f = click.option("--bucket", metavar="B", help="Bucket (default: $BACKUP_S3_BUCKET, else [backup] bucket).")(f)
    return f


_quiet = click.option("--quiet", "-q", is_flag=True, help="No progress lines on stderr.")


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
    from toolkit.app.backup import TakeBackupSettings, backup_targets
    from toolkit.app.backup import backup as run_backup
    from toolkit.backup.manifest import human_bytes

    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    if list_targets:
        for name in backup_targets(ctx.config, env_name):
            click.echo(name)
        return
    taken = run_backup(TakeBackupSettings(config=ctx.config, env_name=env_name, database_url=database_url,
                                          url_var=url_var, bucket=bucket, prefix=prefix, quiet=quiet))
    info(f"{style('verified', fg='green')} backup of {env_name} database {taken.database}: "
         f"{human_bytes(taken.size_bytes)} ({human_bytes(taken.dump_bytes)} dump), {taken.tables} tables, "
         f"migration {taken.newest_migration or '(none)'}, {taken.duration_s:.1f} s")
    if fmt == "json":
        click.echo(json.dumps(taken.as_json()))
    else:
        click.echo(taken.uri)


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
    from toolkit.app.backup import VerifyBackupSettings
    from toolkit.app.backup import verify_backup as run_verify

    ctx = make_context(migrations_dir, config_file)
    result = run_verify(VerifyBackupSettings(config=ctx.config, uri=uri, deep=deep, restore_test=restore_test,
                                             scratch_url=scratch_url, record=not no_record, quiet=quiet))
    for dropped in result.scratch_cleaned:
        info(f"dropped leftover scratch database {dropped}")
    if fmt == "json":
        click.echo(json.dumps(result.as_json()))
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
    from toolkit.app.backup import ListBackupsSettings
    from toolkit.app.backup import list_backups as run_list
    from toolkit.backup.manifest import human_bytes

    ctx = make_context(migrations_dir, config_file, env_name)
    entries = run_list(ListBackupsSettings(config=ctx.config, env_name=env_name, database=database, limit=limit,
                                           bucket=bucket, prefix=prefix))
    if fmt == "json":
        echo_json([e.as_json() for e in entries])
        return
    if not entries:
        click.echo(f"No backups of '{env_name}' yet.")
        return
    click.echo(f"{'STARTED (UTC)':<20}  {'DATABASE':<16}  {'SIZE':>9}  {'VERIFIED':<14}  {'MIGRATION':<32}  URI")
    for e in entries:
        state = f"{'yes' if e.verified else 'NO'} ({(e.verification or {}).get('level', '?')})"
        click.echo(f"{e.started_at:<20}  {e.database or '':<16}  {human_bytes(e.size_bytes):>9}  "
                   f"{state:<14}  {e.newest_migration or '-':<32}  {e.uri}")


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
    from toolkit.app.backup import RestoreSettings
    from toolkit.app.backup import restore as run_restore

    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    result = run_restore(RestoreSettings(config=ctx.config, env_name=env_name, uri=uri, database_url=database_url,
                                         from_other_database=from_other_database, quiet=quiet),
                         confirm=confirm_callback(yes))
    info(f"restored {result.uri} into {env_name} database {result.database} in {result.duration_s:.1f} s; "
         f"newest migration now {result.newest_migration or '(none)'}"
         + (f"; recorded at {result.record_uri}" if result.record_uri else ""))
    if not result.ok:
        shown = ", ".join(f"{t} {e}->{a}" for t, (e, a) in list(result.mismatches.items())[:5])
        raise ToolkitError(f"restored, but row counts differ from the backup's (expected->restored): {shown}")
    click.echo(f"restored: {result.uri}")
