#!/usr/bin/env bash
# Prepare this checkout on a fresh machine: PostgreSQL server binaries (for the throwaway local
# database), a virtualenv with the toolkit and its test tools, and the Node packages the tests use.
# Safe to run again: each step is skipped when already done.
#   ./scripts/setup.sh           what the quick start needs
#   ./scripts/setup.sh --tests   also the Node packages the tests use (GitHub's OpenAPI description)
set -euo pipefail
WITH_TESTS=0
[ "${1:-}" = "--tests" ] && WITH_TESTS=1
cd "$(dirname "$0")/.."

have_pg() { ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null 2>&1 \
            || { command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ]; }; }
if ! have_pg; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "setup: installing PostgreSQL server binaries (apt-get install postgresql)" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql postgresql-client >/dev/null
  else
    echo "setup: PostgreSQL server binaries (initdb, pg_ctl) are missing: install PostgreSQL 13+ (e.g. 'brew install postgresql') or set PG_BINDIR" >&2
    exit 1
  fi
fi

PY=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test]'

if [ "$WITH_TESTS" = 1 ]; then
  command -v npm >/dev/null 2>&1 || { echo "setup: npm is missing: install Node.js 18+ (apt-get install nodejs npm)" >&2; exit 1; }
  for dir in tests/github_api; do
    if [ -f "$dir/package.json" ] && [ ! -d "$dir/node_modules" ]; then
      (cd "$dir" && npm ci --silent --no-audit --no-fund)
    fi
  done
fi
