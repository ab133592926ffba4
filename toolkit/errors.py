"""The one exception type the CLI turns into a clear one-line error and an exit code."""

from __future__ import annotations


class ToolkitError(Exception):
    """An expected failure: printed as one line (plus an optional hint), never as a traceback.

    exit_code: 1 for a failed operation, 2 for a usage or input error.
    path, line: the file (and 1-based line) at fault, when one is: annotations and the deploy's
    summary point there without parsing the message.
    """

    def __init__(self, message: str, *, hint: str | None = None, exit_code: int = 1, path: str | None = None,
                 line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint
        self.exit_code = exit_code
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        return self.message


class UsageError(ToolkitError):
    def __init__(self, message: str, *, hint: str | None = None, path: str | None = None,
                 line: int | None = None) -> None:
        super().__init__(message, hint=hint, exit_code=2, path=path, line=line)
