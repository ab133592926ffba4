"""Import a public project's PostgreSQL migrations as a migrate-action set (the claims corpus).

    python tests/realsets/import_set.py <project> <git-dir> [--commit SHA]

<git-dir> is a bare clone (the `fetch` tool's /work/.mirror/<owner>+<name>/repo, or `git clone --bare`).
Writes tests/realsets/<project>/migrations/YYYYMMDD_HHMMSS_<name>.sql (+ _rollback.sql when the
project has a down file), LICENSE, SOURCE.md and manifest.tsv (new name -> original files), in the
project's own order. Files the toolkit cannot run (Go migrations, other dialects) are listed in
skipped.tsv with the reason; SKIP below lists files that do not run on a plain PostgreSQL 15 with
contrib (each with the reason), found by applying the set in order.
"""

from __future__ import annotations

import argparse
import re
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent


@dataclass(frozen=True)
class Project:
    repo: str
    directory: str
    license_path: str
    license: str
    # "sqlx" (<14 digits>_name.up/down.sql), "popx" (ory), "epoch" (concourse: <unix>_name),
    # "diesel" (<YYYY-MM-DD-HHMMSS>_name/up.sql + down.sql),
    # "lexical" (maragudk/migrate: <version>.up/down.sql, any version, in the versions' string order)
    layout: str
    prefix: int | None = None  # import only the first N migrations (a large set, to keep the suite fast)


PROJECTS = {
    "docs_rs": Project("rust-lang/docs.rs", "crates/lib/docs_rs_database/migrations", "LICENSE", "MIT",
                       "sqlx"),
    "hydra": Project("ory/hydra", "persistence/sql/migrations", "LICENSE", "Apache-2.0", "popx"),
    "keto": Project("ory/keto", "internal/persistence/sql/migrations/sql", "LICENSE", "Apache-2.0", "popx"),
    "concourse": Project("concourse/concourse", "atc/db/migration/migrations", "LICENSE.md", "Apache-2.0",
                         "epoch"),
    "svix": Project("svix/svix-webhooks", "server/svix-server/migrations", "LICENSE", "MIT", "sqlx"),
    "graph_node": Project("graphprotocol/graph-node", "store/postgres/migrations", "LICENSE-APACHE",
                          "Apache-2.0 OR MIT", "diesel"),
    "harness": Project("harness/harness", "app/store/database/migrate/postgres", "LICENSE", "Apache-2.0",
                       "lexical"),
}

# Original file -> why it is not in the set (it does not run on PostgreSQL 15 + contrib as written).
SKIP: dict[str, dict[str, str]] = {
    "harness": {
        "0000_alter_table_migrations.up.sql":
            "alters the migration tool's own bookkeeping table (PostgreSQL 15: relation 'migrations' does not exist)",
    },
    "docs_rs": {
        "20240311202914_release_status_materialized.up.sql":
            "needs the view the project's older (Rust-coded) migrations created (PostgreSQL 15: view 'release_build_status' does not exist)",
    },
    "keto": {
        "20220217152313000000_nid_fk.up.sql":
            "needs Ory's shared `networks` table (another migration box) (PostgreSQL 15: relation 'networks' does not exist)",
        "20220513200300000000_create-intermediary-uuid-table.postgres.up.sql":
            "needs Ory's shared `networks` table (another migration box) (PostgreSQL 15: relation 'networks' does not exist)",
        "20220513200600000001_drop-old-non-uuid-table.up.sql":
            "needs Ory's shared `networks` table (another migration box) (PostgreSQL 15: relation 'keto_relation_tuples_uuid' does not exist)",
        "20230228091200000000_add-on-delete-cascade-to-relationship.up.sql":
            "needs Ory's shared `networks` table (another migration box) (PostgreSQL 15: relation 'keto_relation_tuples' does not exist)",
    },
    "concourse": {
        "1548261635_create_table_resource_config_scopes.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: column 'last_checked' of relation 'resource_configs' does not exist)",
        "1551110547_add_indexes_for_versions_db.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'build_resource_config_version_inputs' does not exist)",
        "1552406171_add_last_check_finished_to_resource_config_scopes.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'resource_config_scopes' does not exist)",
        "1554128419_rename_resource_config_scope_last_checked.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'resource_config_scopes' does not exist)",
        "1565800062_create_checks.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'resource_config_scopes' does not exist)",
        "1568056691_create_resource_config_versions_version_index.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'resource_config_versions' does not exist)",
        "1579713176_version_md5_resource_cache.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: index 'resource_caches_resource_config_id_version_params_hash_uniq' does not exist)",
        "1579713178_add_first_occurrence_to_build_resource_config_version_inputs.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'build_resource_config_version_inputs' does not exist)",
        "1579713179_add_resolve_error_to_next_build_inputs.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: column 'resource_config_version_id' of relation 'next_build_inputs' does not exist)",
        "1579713185_add_indexes_to_builds_and_versions_tables.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'resource_config_versions' does not exist)",
        "1579713186_add_version_md5_to_next_build_inputs.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: column 'resource_config_version_id' of relation 'next_build_inputs' does not exist)",
        "1579713194_drop_versioned_resources.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: cannot drop table versioned_resources because other objects depend on it)",
        "1581350441_remove_unused_idx_and_add_checks_idx.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'checks' does not exist)",
        "1581447344_drop_build_inputs_indexes_and_create_index_for_algorithm.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: index 'build_resource_config_version_inputs_resource_id_idx' does not exist)",
        "1588860260_add_span_context_to_checks.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'checks' does not exist)",
        "1590417946_add_span_context_to_resource_config_versions.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'resource_config_versions' does not exist)",
        "1598284990_alter_id_on_resource_config_versions_bigint.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'resource_config_versions' does not exist)",
        "1601993585_drop_checks.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: table 'checks' does not exist)",
        "1602860420_drop_check_error_from_resources_and_scopes.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: column 'check_error' of relation 'resource_types' does not exist)",
        "1603401316_alter_build_integers_to_bigints.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'build_resource_config_version_inputs' does not exist)",
        "1606489231_remove_versions_with_check_order_of_0.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'resource_config_versions' does not exist)",
        "1619180097_add_last_check_succeeded_to_resource_config_scopes.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'resource_config_scopes' does not exist)",
        "1630515496_add_last_check_id_and_plan_to_resource_config_scopes.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'resource_config_scopes' does not exist)",
        "1653924132_int_to_bigint.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'resource_config_versions_id_seq' does not exist)",
        "1666743327_alter_id_on_resource_config_scopes_bigint.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'resource_config_scopes' does not exist)",
        "1747084615_switch_md5_to_sha256.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'resource_config_versions' does not exist)",
        "1772140118_next_check_time.up.sql":
            "depends on a skipped Go migration's schema (PostgreSQL 15: relation 'resource_config_scopes' does not exist)",
    },
}

_POPX = re.compile(r"^(\d+)_([^.]+)(?:\.([a-z0-9]+))?(\.autocommit)?\.(up|down)\.(sql|fizz)$")
_SQLX = re.compile(r"^(\d{14})_([^.]+)\.(up|down)\.sql$")
# maragudk/migrate matches `^([\w-]+).up.sql$` (the dot unescaped: `name_up.sql` is version `name`).
_LEXICAL = re.compile(r"^([\w-]+).(up|down)\.sql$")
# diesel: the version is the directory name up to the first "_", without its dashes (compared as text).
_DIESEL = re.compile(r"^(\d[^_/]*)(?:_([^/]+))?/(up|down)\.sql$")
_EPOCH = re.compile(r"^(\d+)_([^.]+)\.(up|down)\.(sql|go)$")


@dataclass
class Migration:
    version: str
    name: str
    up: str | None = None  # original path
    down: str | None = None
    skipped: str | None = None


def git(gitdir: str, *args: str) -> str:
    return subprocess.run(["git", "--git-dir", gitdir, *args], capture_output=True, text=True,
                          check=True).stdout


def collect(project: Project, files: list[str]) -> list[Migration]:
    """The project's migrations in its own order, with the file PostgreSQL would run for each."""
    found: dict[str, Migration] = {}
    skipped: list[Migration] = []
    # popx: a postgres-specific file wins over the generic one of the same version.
    specific: dict[tuple[str, str], int] = {}
    for path in files:
        base = path.rsplit("/", 1)[-1]
        if project.layout == "popx":
            m = _POPX.match(base)
            if not m:
                continue
            version, name, dialect, _autocommit, direction, ext = m.groups()
            if dialect not in (None, "postgres") or ext != "sql":
                continue
            rank = 1 if dialect == "postgres" else 0
            if specific.get((version, direction), -1) > rank:
                continue
            specific[(version, direction)] = rank
        elif project.layout == "sqlx":
            m = _SQLX.match(base)
            if not m:
                continue
            version, name, direction = m.groups()
        elif project.layout == "diesel":
            m = _DIESEL.match("/".join(path.rsplit("/", 2)[-2:]))
            if not m:
                continue
            version, name, direction = m.groups()
            version, name = version.replace("-", ""), name or version
        elif project.layout == "lexical":
            m = _LEXICAL.match(base)
            if not m:
                continue
            version, direction = m.groups()
            name = version
        else:
            m = _EPOCH.match(base)
            if not m:
                continue
            version, name, direction, ext = m.groups()
            if ext == "go":
                mig = found.setdefault(version, Migration(version, name))
                mig.skipped = "a Go migration (the toolkit runs SQL files)"
                continue
        mig = found.setdefault(version, Migration(version, name))
        setattr(mig, direction, path)
    out = sorted(found.values(), key=(lambda m: m.version) if project.layout in ("lexical", "diesel")
                 else (lambda m: int(m.version)))
    for m in out:
        if m.up is None and not m.skipped:
            m.skipped = "no PostgreSQL up file"
    return out + skipped


def timestamps(project: Project, versions: list[str]) -> list[str]:
    """YYYYMMDD_HHMMSS per version, strictly increasing in the project's order: the real date when the
    version is one (sqlx, popx) or a Unix time (concourse), else one second after the previous."""
    out: list[str] = []
    prev: datetime | None = None
    for v in versions:
        when: datetime | None = None
        try:
            when = (datetime.fromtimestamp(int(v), UTC).replace(tzinfo=None) if project.layout == "epoch"
                    else datetime.strptime(re.sub(r"\D", "", v)[:14], "%Y%m%d%H%M%S"))
        except ValueError:
            when = None
        if when is None or (prev is not None and when <= prev):
            when = (prev or datetime(2000, 1, 1)) + timedelta(seconds=1)
        prev = when
        out.append(when.strftime("%Y%m%d_%H%M%S"))
    return out


def slug(name: str) -> str:
    return re.sub(r"_+", "_", re.sub(r"[^a-z0-9_]", "_", name.lower())).strip("_") or "migration"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("project", choices=sorted(PROJECTS))
    ap.add_argument("gitdir")
    ap.add_argument("--commit", default="HEAD")
    args = ap.parse_args(argv)
    project = PROJECTS[args.project]
    commit = git(args.gitdir, "rev-parse", args.commit).strip()
    files = git(args.gitdir, "ls-tree", "-r", "--name-only", commit, project.directory + "/").split()
    migrations = collect(project, files)
    total = len(migrations)
    if project.prefix is not None:
        migrations = migrations[:project.prefix]
    skip = SKIP.get(args.project, {})
    for m in migrations:
        if m.up and m.up.rsplit("/", 1)[-1] in skip:
            m.skipped = skip[m.up.rsplit("/", 1)[-1]]
    runnable = [m for m in migrations if not m.skipped]
    dest = HERE / args.project
    mdir = dest / "migrations"
    mdir.mkdir(parents=True, exist_ok=True)
    for old in mdir.glob("*.sql"):
        old.unlink()
    manifest = ["name\tup\tdown"]
    for m, ts in zip(runnable, timestamps(project, [m.version for m in runnable]), strict=True):
        name = f"{ts}_{slug(m.name)}"
        (mdir / f"{name}.sql").write_text(git(args.gitdir, "show", f"{commit}:{m.up}"))
        if m.down:
            (mdir / f"{name}_rollback.sql").write_text(git(args.gitdir, "show", f"{commit}:{m.down}"))
        manifest.append(f"{name}\t{m.up}\t{m.down or '-'}")
    (dest / "manifest.tsv").write_text("\n".join(manifest) + "\n")
    skipped = ["version\tname\treason"] + [f"{m.version}\t{m.name}\t{m.skipped}" for m in migrations if m.skipped]
    (dest / "skipped.tsv").write_text("\n".join(skipped) + "\n")
    (dest / "LICENSE").write_text(git(args.gitdir, "show", f"{commit}:{project.license_path}"))
    (dest / "SOURCE.md").write_text(
        f"# {args.project}\n\n"
        f"- Repository: https://github.com/{project.repo}\n"
        f"- Commit: {commit}\n"
        f"- Path: {project.directory}\n"
        f"- Licence: {project.license} (the project's {project.license_path}, copied here as LICENSE)\n"
        f"- Imported by: `python tests/realsets/import_set.py {args.project} <git-dir> --commit {commit}`\n"
        f"- Migrations: {len(runnable)} imported ({sum(1 for m in runnable if m.down)} with a rollback file), "
        f"{len(migrations) - len(runnable)} skipped (skipped.tsv says why)\n"
        + (f"- Prefix: the first {len(migrations)} of the project's {total} migrations, in its order "
           "(the rest left out to keep the suite fast)\n" if len(migrations) < total else "")
        + "\n"
        "The SQL files are the project's own, unchanged; only the names follow migrate-action's "
        "YYYYMMDD_HHMMSS_name.sql / _rollback.sql convention (manifest.tsv maps them back).\n")
    print(f"{args.project}: {len(runnable)} migrations, {len(migrations) - len(runnable)} skipped -> {dest}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
