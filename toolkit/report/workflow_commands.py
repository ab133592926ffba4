"""GitHub workflow commands (`::error file=..,line=..::message`) as text: pure formatting, escaped as
the Actions toolkit does, so untrusted text (SQL, file names, messages) stays inside its command."""

from __future__ import annotations

from typing import Literal

AnnotationLevel = Literal["notice", "warning", "error"]


def escape_data(text: str) -> str:
    return str(text).replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def format_command(command: str, message: str = "", **properties: str | int | None) -> str:
    props = ",".join(f"{key}={escape_property(str(value))}" for key, value in properties.items()
                     if value is not None and value != "")
    return f"::{command}{' ' + props if props else ''}::{escape_data(message)}"


def format_annotation(level: AnnotationLevel, message: str, *, file: str | None = None,
                      line: int | None = None, end_line: int | None = None, col: int | None = None,
                      end_column: int | None = None, title: str | None = None) -> str:
    if level not in ("notice", "warning", "error"):
        raise ValueError(f"unknown annotation level {level!r}")
    return format_command(level, message, file=file, line=line, endLine=end_line, col=col,
                          endColumn=end_column, title=title)
