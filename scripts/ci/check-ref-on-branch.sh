#!/usr/bin/env bash
# Usage: check-ref-on-branch.sh COMMIT BRANCH_REF
#
# Exits 0 when COMMIT is a commit of this repository that BRANCH_REF (e.g. origin/main) contains;
# otherwise prints one line on stderr and exits 1 (2 for a malformed argument). The rollback workflow
# runs this before any step that gets a secret, so a commit that never reached the protected branch
# (a fork's pull request, a side branch) cannot supply the rollback SQL. Fetch the branch first
# (actions/checkout with fetch-depth: 0 does).
set -euo pipefail

commit=${1-}
branch=${2-}
if [ $# -ne 2 ] || [ -z "$branch" ]; then
  echo "usage: check-ref-on-branch.sh COMMIT BRANCH_REF" >&2
  exit 2
fi
# Hex only: never a ref name or an option (`--upload-pack=...`) that git would interpret.
if ! [[ $commit =~ ^[0-9a-fA-F]{7,64}$ ]]; then
  echo "error: '${commit//[^[:alnum:]._\/-]/?}' is not a commit SHA (7 to 64 hexadecimal characters)" >&2
  exit 2
fi
if ! full=$(git rev-parse --verify --quiet --end-of-options "${commit}^{commit}" 2>/dev/null); then
  echo "error: commit $commit is not in this repository's history (was the branch fetched?)" >&2
  exit 1
fi
if ! git rev-parse --verify --quiet --end-of-options "${branch}^{commit}" >/dev/null 2>&1; then
  echo "error: branch $branch is not available here (fetch it first)" >&2
  exit 1
fi
if ! git merge-base --is-ancestor "$full" "$branch" 2>/dev/null; then
  echo "error: commit $commit is not on $branch: refusing to take rollback scripts from it" >&2
  exit 1
fi
echo "commit $full is on $branch"
