#!/usr/bin/env bash
# Back up every database of an environment to S3 (the runbook's step before `migrate`), and fail
# loudly if any one fails.
#
#   ./scripts/database/backup-databases.sh [--env ENV] [--deep] [other `backup` options...]
#
# ENV: --env, else $MIGRATE_ENV, else production. The databases are the environment's own URL
# ($DATABASE_URL_<ENV>, else $DATABASE_URL) and every variable named in its `extra_url_envs`
# (migrate-action.toml). URLs are passed by variable NAME (--url-var), never on a command line.
# Each backup is verified (size + S3 SHA-256 + pg_dump exit 0); --deep also reads each one back.
# Prints one "VARIABLE s3://..." line per database on stdout; exits 1 if any backup failed.
set -uo pipefail

env_name="${MIGRATE_ENV:-}"
deep=0
extra=()
while [ $# -gt 0 ]; do
  case "$1" in
    --env) [ $# -ge 2 ] || { echo "backup-databases: --env needs a value" >&2; exit 2; }; env_name="$2"; shift 2 ;;
    --env=*) env_name="${1#--env=}"; shift ;;
    --deep) deep=1; shift ;;
    -h|--help) sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) extra+=("$1"); shift ;;
  esac
done
if [ -z "$env_name" ]; then
  env_name=production
  echo "backup-databases: no --env or MIGRATE_ENV given: backing up '$env_name'" >&2
fi

# The CLI: $MIGRATION_MANAGER, else this checkout's (with its .venv if any), else the installed one.
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
if [ -n "${MIGRATION_MANAGER:-}" ]; then
  cli=("$MIGRATION_MANAGER")
elif [ -f "$root/scripts/migration_manager.py" ]; then
  py="python3"
  [ -x "$root/.venv/bin/python" ] && py="$root/.venv/bin/python"
  cli=("$py" "$root/scripts/migration_manager.py")
elif command -v migration-manager >/dev/null 2>&1; then
  cli=(migration-manager)
else
  echo "backup-databases: cannot find migrate-action (set MIGRATION_MANAGER)" >&2
  exit 1
fi

if ! targets="$("${cli[@]}" backup --env "$env_name" --list-targets "${extra[@]}")"; then
  echo "backup-databases: FAILED: cannot tell which databases '$env_name' has (see the error above)" >&2
  exit 1
fi

ok=()
failed=()
while IFS= read -r var; do
  [ -n "$var" ] || continue
  if ! [[ "$var" =~ ^[A-Za-z_][A-Za-z0-9_]*$ ]]; then
    echo "backup-databases: skipping invalid variable name '$var'" >&2
    failed+=("$var")
    continue
  fi
  echo "backup-databases: backing up \$$var ($env_name)" >&2
  if uri="$("${cli[@]}" backup --env "$env_name" --url-var "$var" "${extra[@]}")"; then
    if [ "$deep" = 1 ] && ! "${cli[@]}" verify-backup --uri "$uri" --deep --quiet >&2; then
      failed+=("$var")
      continue
    fi
    ok+=("$var")
    printf '%s %s\n' "$var" "$uri"
  else
    failed+=("$var")
  fi
done <<< "$targets"

if [ ${#failed[@]} -gt 0 ]; then
  echo "backup-databases: FAILED for ${#failed[@]} of $(( ${#ok[@]} + ${#failed[@]} )) database(s) of '$env_name': ${failed[*]}" >&2
  echo "backup-databases: do NOT migrate '$env_name' until every backup succeeds" >&2
  exit 1
fi
echo "backup-databases: ${#ok[@]} database(s) of '$env_name' backed up and verified" >&2
