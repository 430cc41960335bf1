#!/usr/bin/env bash
# A full disk during export and during a workspace write (issue 15), on small tmpfs mounts.
#   tests/faults/full_disk.sh BINARY        (needs root for `mount -t tmpfs`)
# Checks: a clear message naming the cause and what to do, exit 2, no partial export left
# behind, the workspace intact (`PRAGMA integrity_check`) with its committed predictions, and
# a rerun on a disk with room finishing the work. Prints one line per check; exits 1 on a
# failed check.
set -uo pipefail
BIN=$(realpath "$1")
work=$(mktemp -d)
small=$work/small
fail=0
cleanup() {
  mountpoint -q "$small" && umount "$small"
  rm -rf "$work"
}
trap cleanup EXIT
check() { # NAME CONDITION...
  local name=$1
  shift
  if "$@"; then echo "ok   $name"; else echo "FAIL $name"; fail=1; fi
}
contains() { grep -q -- "$2" "$1"; }

"$BIN" synth "$work/data" --samples 2 --per-sample 8 --seed 3 >/dev/null
mkdir -p "$small"

# 1. export into a 300 KB file system.
mount -t tmpfs -o size=300k tmpfs "$small"
"$BIN" predict "$work/data" --quiet >/dev/null
"$BIN" export "$work/data" "$small/out" --quiet 2>"$work/export.err"
rc=$?
sed 's/^/     /' "$work/export.err"
check "export on a full disk exits 2 (got $rc)" test "$rc" = 2
check "export says the disk is full and what to do" contains "$work/export.err" "No space left on device"
check "export names OUT's folder" contains "$work/export.err" "has space"
check "no staging folder or partial export left" test -z "$(ls -A "$small")"
umount "$small"

# 2. predict with its workspace on a 1.2 MB file system.
mount -t tmpfs -o size=1200k tmpfs "$small"
"$BIN" predict "$work/data" --workspace "$small/ws" --quiet 2>"$work/predict.err"
rc=$?
check "predict on a full disk exits 2 (got $rc)" test "$rc" = 2
check "predict says the workspace's disk is full" contains "$work/predict.err" "disk holding the workspace is full"
check "and that committed work is kept" contains "$work/predict.err" "committed so far is kept"
check "no raw SQLite text reaches the user" bash -c "! grep -q 'Error code' '$work/predict.err'"
db=$small/ws/index.sqlite
integrity=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('PRAGMA integrity_check').fetchone()[0])" "$db")
check "workspace integrity after the full disk ($integrity)" test "$integrity" = ok
kept=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM predictions').fetchone()[0])" "$db")
echo "     $kept predictions committed before the disk filled"
# Room again: copy the workspace to a real disk and finish there.
cp -r "$small/ws" "$work/ws"
umount "$small"
"$BIN" predict "$work/data" --workspace "$work/ws" --json --quiet >"$work/rerun.json"
rc=$?
check "the rerun with room finishes (exit $rc)" test "$rc" = 0
skipped=$(python3 -c "import json,sys; print(json.load(open(sys.argv[1]))['skipped'])" "$work/rerun.json")
check "the rerun keeps the $kept committed predictions (skipped $skipped)" test "$skipped" = "$kept"
total=$(python3 -c "import sqlite3,sys; print(sqlite3.connect(sys.argv[1]).execute('SELECT count(*) FROM predictions').fetchone()[0])" "$work/ws/$(basename "$db")")
check "every image predicted in the end ($total of 16)" test "$total" = 16

if [ "$fail" = 0 ]; then echo "full disk: all checks passed"; else echo "full disk: FAILED"; fi
exit $fail
