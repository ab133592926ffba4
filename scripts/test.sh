#!/usr/bin/env bash
# Run the whole test suite (and the linter) against a throwaway PostgreSQL cluster, a local
# S3-compatible server and a local GitHub API stand-in, all started by the tests themselves.
# Extra arguments go to pytest, e.g. ./scripts/test.sh tests/migrations -x
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --tests
.venv/bin/ruff check toolkit tests scripts benchmarks
# Two workers (pytest-xdist), each with its own session: one PostgreSQL cluster, one S3 server and one
# GitHub stand-in per worker. PYTEST_WORKERS=0 runs everything in this process.
exec .venv/bin/python -m pytest -q -n "${PYTEST_WORKERS:-2}" "$@"
