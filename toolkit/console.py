"""Terminal output: progress on stderr, colour only on a terminal and never with NO_COLOR."""

from __future__ import annotations

import os
import sys

import click

from toolkit.errors import ToolkitError


def use_color(stream=None) -> bool:
    stream = stream or sys.stderr
    if os.environ.get("NO_COLOR"):
        return False
    return hasattr(stream, "isatty") and stream.isatty()


def style(text: str, **kw) -> str:
    return click.style(text, **kw) if use_color() else text


def info(message: str) -> None:
    """A progress or context line; goes to stderr so stdout stays machine-readable."""
    click.echo(message, err=True)


def warn(message: str) -> None:
    click.echo(style("warning: ", fg="yellow", bold=True) + message, err=True)


def fmt_ms(ms: float) -> str:
    return f"{ms:.0f} ms" if ms < 10_000 else f"{ms / 1000:.1f} s"


def confirm_environment(env_name: str, action: str, *, assume_yes: bool) -> None:
    """Ask the operator to type the environment name; refuse without a terminal unless --yes.

    Called before anything is written, so a refusal leaves the database untouched.
    """
    if assume_yes:
        return
    if not sys.stdin.isatty():
        raise ToolkitError(
            f"refusing to {action} on '{env_name}' without confirmation: no terminal to ask on",
            hint="pass --yes to confirm non-interactively (in GitHub Actions, protect the environment instead)",
            exit_code=2,
        )
    click.echo(style(f"You are about to {action} on '{env_name}'.", fg="red", bold=True), err=True)
    typed = click.prompt(f"Type the environment name ({env_name}) to continue", err=True, default="",
                         show_default=False)
    if typed.strip() != env_name:
        raise ToolkitError("confirmation did not match: nothing was changed", exit_code=1)
