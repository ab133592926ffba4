"""`rehearse`: the pending migrations, measured on a restored copy of an environment's backup."""

from __future__ import annotations

import click

from toolkit.cli.common import dir_option, make_context
from toolkit.errors import ToolkitError, UsageError


@click.command()
@click.option("--env", "env_name", required=True, metavar="ENV",
              help="Whose backup to rehearse on (its database is never connected to).")
@dir_option
@click.option("--backup-uri", metavar="S3URI", help="Rehearse on this backup (default: the newest verified one).")
@click.option("--scratch-url", metavar="URL", envvar="REHEARSE_SCRATCH_URL",
              help="Restore into a new throwaway database on this server (needs CREATEDB; default: an "
                   "embedded throwaway cluster). Also $REHEARSE_SCRATCH_URL.")
@click.option("--exclude-data", metavar="PATTERN", multiple=True,
              help="Restore this table's schema but not its rows (glob on schema.table or table; repeatable).")
@click.option("--full-data", is_flag=True, help="Restore every table's rows, not only those the migrations touch.")
@click.option("--no-probe", is_flag=True, help="Do not run the probe session.")
@click.option("--max-lock-ms", type=click.FloatRange(min=0), metavar="MS",
              help="Fail if a lock that blocks writes is held on an existing table longer than this.")
@click.option("--max-duration-s", type=click.FloatRange(min=0), metavar="S",
              help="Fail if the migrations take longer than this in total.")
@click.option("--bucket", metavar="B", help="Bucket (default: $BACKUP_S3_BUCKET, else [backup] bucket).")
@click.option("--prefix", metavar="P", help="Key prefix (default: [backup] prefix).")
@click.option("--format", "fmt", type=click.Choice(["text", "json", "markdown"]), default="text",
              show_default=True, help="Output format.")
@click.option("--output", metavar="FILE", type=click.Path(dir_okay=False),
              help="Also write the comment section (Markdown) to FILE.")
@click.option("--quiet", "-q", is_flag=True, help="No progress lines on stderr.")
def rehearse(env_name: str, migrations_dir: str | None, config_file: str | None, backup_uri: str | None,
             scratch_url: str | None, exclude_data: tuple[str, ...], full_data: bool, no_probe: bool,
             max_lock_ms: float | None, max_duration_s: float | None, bucket: str | None, prefix: str | None,
             fmt: str, output: str | None, quiet: bool) -> None:
    """Apply the pending migrations to a copy of ENV's newest verified backup and measure them.

    Restores the schema of every table and the rows of the tables the migrations touch (and what
    their foreign keys need) into a throwaway PostgreSQL, applies the migrations as `migrate`
    would while a probe session reads and writes each touched table, and reports per statement:
    time, locks held and for how long, rewrites, rows, WAL, the probe's longest stall. The copy
    is destroyed afterwards. Exit 1 if a --max-* limit is exceeded (one line on stderr).
    """
    from toolkit.app.rehearse import RehearseSettings
    from toolkit.app.rehearse import rehearse as run
    from toolkit.console import info
    from toolkit.rehearse import render
    from toolkit.rehearse.report import gate

    for p in exclude_data:
        if not p.strip():
            raise UsageError("--exclude-data needs a pattern")
    ctx = make_context(migrations_dir, config_file)
    ctx.config.environment(env_name)  # an unknown environment is a usage error, before any download
    settings = RehearseSettings(env_name=env_name, backup_uri=backup_uri, scratch_url=scratch_url,
                                exclude_data=exclude_data, full_data=full_data, probe=not no_probe,
                                bucket=bucket, prefix=prefix)
    result = run(ctx.config, settings, progress=(lambda _: None) if quiet else info)
    if fmt == "json":
        click.echo(render.as_json(result))
    elif fmt == "markdown":
        click.echo(render.markdown_section(result), nl=False)
    else:
        click.echo(render.text(result))
    if output:
        with open(output, "w", encoding="utf-8") as fh:
            fh.write(render.markdown_section(result))
    failed = gate(result, max_lock_ms, max_duration_s)
    if failed:
        raise ToolkitError(failed)
    if any(m.error for m in result.migrations):
        raise ToolkitError(f"rehearsal: {next(m for m in result.migrations if m.error).name} failed on the copy")
