#!/usr/bin/env bash
# Usage: rollback-scripts-at.sh COMMIT MIGRATIONS_DIR DEST
#
# DEST becomes a copy of MIGRATIONS_DIR (the protected branch's checkout) whose *_rollback.sql files
# are replaced by the ones in COMMIT. Only SQL data is read from COMMIT (`git show`), never its
# action code, which is why the rollback workflow can hand DEST to the action with the secrets.
# Run check-ref-on-branch.sh on COMMIT first.
set -euo pipefail

commit=${1-}
src=${2-}
dest=${3-}
if [ $# -ne 3 ] || ! [[ $commit =~ ^[0-9a-fA-F]{7,64}$ ]] || [ ! -d "$src" ] || [ -z "$dest" ]; then
  echo "usage: rollback-scripts-at.sh COMMIT(hex) MIGRATIONS_DIR DEST" >&2
  exit 2
fi
rm -rf "$dest"
mkdir -p "$dest"
cp -R "$src/." "$dest/"
# The folder's path inside the repository, as git names it in COMMIT's tree.
prefix=$(cd "$src" && git rev-parse --show-prefix)
count=0
while IFS= read -r -d '' path; do
  name=${path##*/}
  case $name in
    *_rollback.sql) ;;
    *) continue ;;
  esac
  git show "$commit:$path" > "$dest/$name"
  count=$((count + 1))
done < <(git ls-tree -z --full-tree --name-only "$commit" -- "$prefix")
echo "$count rollback script(s) from $commit in $dest"
