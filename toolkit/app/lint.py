"""Use case: lint migration files without a database (`lint`).

lint(settings) -> LintResult; rules() lists every rule the plan can report (`lint --list-rules`).

I/O: reads the named files (or every migration of the folder), their rollback siblings and the
earlier migrations of the same folder. No database, no network; changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from toolkit.config import Config
from toolkit.errors import UsageError
from toolkit.plan.model import PendingMigration, Plan


@dataclass(frozen=True)
class LintRequest:
    config: Config
    paths: tuple[Path, ...] = ()  # files or folders; none: the config's migrations folder
    check_rollback: bool = True  # rollback coverage (the rollback-* rules)
    fail_on: str | None = None  # default: [lint] fail_on of the config


@dataclass(frozen=True)
class LintResult:
    plan: Plan  # environment None, source "files"
    exit_code: int  # 0 clean, 1 findings at or above fail_on, 2 SQL that does not parse


@dataclass(frozen=True)
class RuleInfo:
    id: str
    severity: str
    summary: str


def read_text(path: Path) -> str:
    """A migration file as the engine would read it (line endings normalised); one-line errors."""
    from toolkit.migrations.files import normalize

    try:
        return normalize(path.read_bytes()).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UsageError(f"{path}: not UTF-8 text ({exc.reason})") from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def lint_targets(paths: tuple[Path, ...], default_dir: Path) -> list[tuple[list[PendingMigration], list]]:
    """(pending, history) per directory: files named or found, and the earlier siblings before them."""
    from toolkit.migrations.files import ROLLBACK_SUFFIX
    from toolkit.migrations.pending import display_path

    chosen: dict[Path, set[Path]] = {}
    for p in [Path(x) for x in paths] or [default_dir]:
        if p.is_dir():
            chosen.setdefault(p.resolve(), set()).update(
                q.resolve() for q in p.glob("*.sql") if not q.name.endswith(ROLLBACK_SUFFIX))
        elif p.is_file():
            chosen.setdefault(p.parent.resolve(), set()).add(p.resolve())
        else:
            raise UsageError(f"no such file or directory: {p}")
    groups = []
    for directory, files in sorted(chosen.items()):
        siblings = sorted(q.resolve() for q in directory.glob("*.sql") if not q.name.endswith(ROLLBACK_SUFFIX))
        first = min(files) if files else None
        history = [(str(q), read_text(q)) for q in siblings if first is not None and q < first and q not in files]
        pending = []
        for f in sorted(files):
            rb = f.with_name(f.name[:-4] + ROLLBACK_SUFFIX)
            has_rb = rb.is_file() and not f.name.endswith(ROLLBACK_SUFFIX)
            pending.append(PendingMigration(f.name[:-4], display_path(f), read_text(f),
                                            display_path(rb) if has_rb else None, read_text(rb) if has_rb else None))
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
