"""verify-rollbacks and drift: thin adapters over toolkit.app that render the results."""

from __future__ import annotations

import sys

import click

from toolkit.cli.common import dir_option, echo_json, env_options, format_option, make_context
from toolkit.console import info, style

SCRATCH_HELP = ("A PostgreSQL server URL (role with CREATEDB) to create the throwaway database on; it is dropped "
                "at the end. Default: an embedded PostgreSQL started for the run (needs the server binaries).")


def _progress(fmt: str):
    # Progress goes to stderr, so JSON and Markdown on stdout stay parseable.
    return info if fmt == "text" else (lambda msg: click.echo(msg, err=True))


def _code(text: str) -> str:
    return "`" + text.replace("`", "'") + "`"


@click.command("verify-rollbacks")
@dir_option
@click.option("--scratch-url", metavar="URL", envvar="MIGRATE_ACTION_SCRATCH_URL", help=SCRATCH_HELP)
@click.option("--start-at", metavar="NAME", help="Apply the migrations before NAME without proving them.")
@click.option("--no-interrupt", is_flag=True,
              help="Skip stopping statement-by-statement migrations between statements.")
@format_option("text", "json", "markdown")
def verify_rollbacks(migrations_dir: str | None, config_file: str | None, scratch_url: str | None,
                     start_at: str | None, no_interrupt: bool, fmt: str) -> None:
    """Prove every rollback on a throwaway database: apply, roll back, compare the catalog, apply again.

    Exit 0 when every rollback round-trips, 1 when one does not, 2 for bad input.
    """
    from toolkit.app.verify_rollbacks import VerifySettings, verify_rollbacks

    ctx = make_context(migrations_dir, config_file)
    result = verify_rollbacks(VerifySettings(ctx.config.migrations_dir, ctx.config.engine, scratch_url, start_at,
                                             not no_interrupt), _progress(fmt))
    if fmt == "json":
        echo_json(result.to_dict())
    elif fmt == "markdown":
        click.echo(verify_markdown(result))
    else:
        _verify_text(result)
    sys.exit(0 if result.ok else 1)


_MARK = {"proved": ("proved", "green"), "failed": ("FAILED", "red"), "no-rollback": ("no rollback", "yellow"),
         "applied-only": ("applied", "cyan"), "not-reached": ("not reached", "magenta")}


def _details(m) -> list[str]:
    out = []
    if m.error:
        out.append(f"{m.phase}: {m.error}" if m.phase else m.error)
    if m.rollback_differences:
        out.append("after the rollback the schema differs from before the migration (before -> after rollback):")
        out += [f"  {line}" for line in m.rollback_differences]
    if m.reapply_differences:
        out.append("applying it again gives a different schema (first apply -> second apply):")
        out += [f"  {line}" for line in m.reapply_differences]
    for i in m.interruptions:
        if not i.converged:
            out.append(f"stopped after statement {i.after_statement}, the re-run "
                       + (f"failed: {i.error}" if i.error else "did not converge:"))
            out += [f"  {line}" for line in i.differences]
    return out


def _verify_text(result) -> None:
    if not result.migrations:
        click.echo("No migrations to verify")
        return
    width = max(len(m.name) for m in result.migrations)
    for m in result.migrations:
        word, colour = _MARK[m.status]
        cls = m.safety.name if m.safety else "-"
        extra = f"  (+{len(m.interruptions)} interrupted re-runs)" if m.interruptions else ""
        click.echo(f"{m.name:<{width}}  {style(f'{word:<11}', fg=colour)}  {cls}{extra}")
        for line in _details(m):
            click.echo(f"    {line}")
    click.echo(result.summary())


def verify_markdown(result) -> str:
    rows = ["### Rollbacks proved on a throwaway database", "",
            "| Migration | Rollback | Safety class |", "|---|---|---|"]
    for m in result.migrations:
        word = {"proved": "proved", "failed": "**failed**"}.get(m.status, "static only")
        rows.append(f"| {_code(m.name)} | {word} | {m.safety.name if m.safety else '-'} |")
    rows += ["", result.summary()]
    for m in result.failed:
        rows += ["", f"**{m.name}**", "", "```", *_details(m), "```"]
    return "\n".join(rows)


@click.command()
@env_options
@click.option("--scratch-url", metavar="URL", envvar="MIGRATE_ACTION_SCRATCH_URL", help=SCRATCH_HELP)
@click.option("--ownership", is_flag=True, help="Also compare owners.")
@click.option("--privileges", is_flag=True, help="Also compare privileges (GRANTs).")
@format_option("text", "json", "markdown")
def drift(env_name: str, database_url: str | None, migrations_dir: str | None, config_file: str | None,
          scratch_url: str | None, ownership: bool, privileges: bool, fmt: str) -> None:
    """Compare ENV's live schema with its applied migrations rebuilt on a throwaway database.

    ENV is only read (read-only session). Each difference comes with the SQL that would reconcile
    it where that is clear. Exit 0 no drift, 1 drift, 2 bad input.
    """
    from toolkit.app.drift import DriftSettings, detect_drift

    ctx = make_context(migrations_dir, config_file, env_name, database_url)
    result = detect_drift(DriftSettings(ctx.config, ctx.env.name, ctx.database_url, scratch_url, ownership,
                                        privileges), _progress(fmt))
    if fmt == "json":
        echo_json(result.to_dict())
    elif fmt == "markdown":
        click.echo(drift_markdown(result))
    else:
        for note in result.notes:
            click.echo(f"note: {note}")
        for item in result.items:
            click.echo(style(item.describe(), fg="red"))
            if item.sql:
                click.echo("    " + item.sql.replace("\n", "\n    "))
        click.echo(result.summary())
    sys.exit(1 if result.drifted else 0)


def drift_markdown(result) -> str:
    title = f"Schema drift on {result.environment}" if result.drifted else f"No schema drift on {result.environment}"
    rows = [f"## {title}", "", result.summary() + "."]
    rows += [f"> {n}" for n in result.notes]
    if result.items:
        rows += ["", "| Object | Difference |", "|---|---|"]
        for item in result.items:
            rows.append(f"| {_code(item.key)} | {item.describe().split(': ', 1)[-1].replace('|', '/')} |")
        sql = [i.sql for i in result.items if i.sql]
        if sql:
            rows += ["", "SQL that would make the database match the migrations (review before running: dropping "
                         "an object added by hand loses its data; adopting it in a migration may be the better fix):",
                     "", "```sql", *sql, "```"]
    return "\n".join(rows)
