#!/usr/bin/env bash
# The main job on an embedded default: a throwaway PostgreSQL, a local S3-compatible server and a
# local health endpoint, then backup -> verify -> migrate -> health check of ./migrations.
# Nothing outside this machine is touched; everything is stopped and removed at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
exec .venv/bin/python -m toolkit local-deploy "$@"
