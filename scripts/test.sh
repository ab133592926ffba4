#!/usr/bin/env bash
# Run the whole test suite (and the linter) against a throwaway PostgreSQL cluster, a local
# S3-compatible server and a local GitHub API stand-in, all started by the tests themselves.
# Extra arguments go to pytest, e.g. ./scripts/test.sh tests/migrations -x
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh --tests
.venv/bin/ruff check toolkit tests scripts benchmarks
exec .venv/bin/python -m pytest -q "$@"
