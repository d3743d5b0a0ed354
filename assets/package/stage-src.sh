#!/usr/bin/env bash
# Copies the source tree the way `go build .` sees it (tracked files plus
# untracked, not ignored ones) into DEST, so that packaging can add generated
# files (the Windows .syso, fyne's metadata file, fyne's Build increment) to
# the copy and never to the working tree other people edit.
# usage: stage-src.sh REPO DEST
set -euo pipefail
repo=$1 dest=$2
rm -rf "$dest"
mkdir -p "$dest"
cd "$repo"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  git ls-files -z --cached --others --exclude-standard |
    while IFS= read -r -d '' f; do [ -f "$f" ] && printf '%s\0' "$f"; done |
    tar --null -T - -cf - | tar -C "$dest" -xf -
else
  tar --exclude=./dist --exclude=./bin --exclude=./.git -cf - . | tar -C "$dest" -xf -
fi
[ -f "$dest/go.mod" ] && [ -f "$dest/FyneApp.toml" ] || { echo "stage-src: $repo has no go.mod/FyneApp.toml" >&2; exit 1; }
