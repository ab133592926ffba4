"""Use case: lint migration files without a database (`lint`).

lint(settings) -> LintResult; rules() lists every rule the plan can report (`lint --list-rules`).

I/O: reads the named files (or every migration of the folder), their rollback siblings and the
earlier migrations of the same folder. No database, no network; changes nothing.
"""

from __future__ import annotations

import os
from pathlib import Path

import msgspec

from toolkit.config import Config
from toolkit.errors import UsageError
from toolkit.plan.model import PendingMigration, Plan


class LintRequest(msgspec.Struct, frozen=True):
    config: Config
    paths: tuple[Path, ...] = ()  # files or folders; none: the config's migrations folder
    check_rollback: bool = True  # rollback coverage (the rollback-* rules)
    fail_on: str | None = None  # default: [lint] fail_on of the config


class LintResult(msgspec.Struct, frozen=True):
    plan: Plan  # environment None, source "files"
    exit_code: int  # 0 clean, 1 findings at or above fail_on, 2 SQL that does not parse


class RuleInfo(msgspec.Struct, frozen=True):
    id: str
    severity: str
    summary: str


def read_text(path: Path) -> str:
    """A migration file as the engine would read it (line endings normalised): refused in one line when
    unreadable, not UTF-8 text, or holding a NUL byte (the same checks every command gets)."""
    from toolkit.migrations.files import normalize, read_checked

    return normalize(read_checked(path)).decode("utf-8")


def _chosen(paths: tuple[Path, ...], default_dir: Path) -> tuple[dict[Path, set[str]], dict[Path, dict[str, str]]]:
    """The up files to lint per (resolved) folder, by file name, and per folder the texts already read
    while checking them, by file name: a folder goes through discover() (strays refused, bytes
    checked), so each file is read once. Names, not Paths: a Path's hash and order cost more than
    reading the file (measured on 684 files)."""
    from toolkit.migrations.files import discover

    chosen: dict[Path, set[str]] = {}
    texts: dict[Path, dict[str, str]] = {}
    for p in [Path(x) for x in paths] or [default_dir]:
        if p.is_dir():
            folder = p.resolve()
            files = chosen.setdefault(folder, set())
            known = texts.setdefault(folder, {})
            for f in discover(p):
                name = f.path.name
                files.add(name)
                known[name] = f.read_text()
                if f.rollback_path is not None:
                    known[f.rollback_path.name] = f.read_rollback() or ""
        elif p.is_file():
            # A file named on the command line: its bytes are checked, whatever its folder holds.
            f = p.resolve()
            chosen.setdefault(f.parent, set()).add(f.name)
        else:
            raise UsageError(f"no such file or directory: {p}")
    return chosen, texts


def lint_targets(paths: tuple[Path, ...], default_dir: Path) -> list[tuple[list[PendingMigration], list]]:
    """(pending, history) per directory: files named or found, and the earlier siblings before them."""
    from toolkit.migrations.files import ROLLBACK_SUFFIX
    from toolkit.migrations.pending import display_path

    chosen, texts = _chosen(paths, default_dir)
    groups = []
    for directory, files in sorted(chosen.items()):
        known = texts.get(directory, {})

        def text(name: str, directory: Path = directory, known: dict[str, str] = known) -> str:
            return known[name] if name in known else read_text(directory / name)

        # Every file of a folder is shown relative to the same place: resolve the folder once.
        shown = display_path(directory)
        prefix = "" if shown == "." else f"{shown}/"
        first = min(files) if files else None
        # The earlier migrations of the folder (none when the whole folder is linted: first is its first).
        # A folder that went through discover(): its names are known (no listing, no Path per file).
        names = known.keys() if known else (n for n in os.listdir(directory) if n.endswith(".sql"))
        siblings = sorted(n for n in names
                          if not n.endswith(ROLLBACK_SUFFIX) and first is not None and n < first)
        history = [(str(directory / q), text(q)) for q in siblings if q not in files]
        pending = []
        for name in sorted(files):
            rb = name[:-4] + ROLLBACK_SUFFIX
            has_rb = not name.endswith(ROLLBACK_SUFFIX) and (rb in known or (directory / rb).is_file())
            pending.append(PendingMigration(name[:-4], prefix + name, text(name),
                                            prefix + rb if has_rb else None, text(rb) if has_rb else None))
        groups.append((pending, history))
    return groups


def lint(settings: LintRequest) -> LintResult:
    """Each file linted as it would run after the earlier migrations of its folder."""
    from toolkit.plan.build import build_plan
    from toolkit.plan.environment import check_lint_settings, exit_code, rule_options

    config = settings.config
    check_lint_settings(config)
    migrations, extra = [], []
    for pending, history in lint_targets(settings.paths, config.migrations_dir):
        # Files are linted as each would run on a database that has the earlier ones (tables exist).
        part = build_plan(pending, environment=None, source="files", history=history, settings=config.lint,
                          options=rule_options(config), check_rollback=settings.check_rollback,
                          carry_new_tables=False)
        migrations += part.migrations
        extra += part.extra_findings
    result = Plan(None, "files", tuple(migrations), {}, tuple(extra))
    return LintResult(result, exit_code(result, settings.fail_on or config.lint.fail_on))


def rules() -> list[RuleInfo]:
    """Every rule a plan can report, sorted by id. Pure."""
    from toolkit.plan.build import EDITED
    from toolkit.sql.lint import SYNTAX_RULE
    from toolkit.sql.rollback_coverage import RULES
    from toolkit.sql.rules import all_rules

    found = [r.rule for r in all_rules()] + list(RULES) + [SYNTAX_RULE, EDITED]
    return [RuleInfo(r.id, r.severity, r.summary) for r in sorted(found, key=lambda r: r.id)]
