#!/usr/bin/env bash
# Runs every fuzz target of the module for a bounded time each: scripts/fuzz.sh [DURATION] (default 15s).
# A crasher is written by go test under the package's testdata/fuzz/; commit it as a regression input.
set -euo pipefail
cd "$(dirname "$0")/.."
time=${1:-15s}
status=0
while IFS= read -r file; do
  pkg=./$(dirname "$file")
  for target in $(grep -oE '^func (Fuzz[A-Za-z0-9_]+)' "$file" | awk '{print $2}'); do
    echo "== $pkg $target ($time)"
    # Minimizing every new interesting input (60 s each by default) would use the whole budget on large seeds.
    go test "$pkg" -run '^$' -fuzz "^${target}\$" -fuzztime "$time" -fuzzminimizetime 100x || status=1
  done
done < <(grep -rl --include='*_test.go' --exclude-dir=.tools --exclude-dir=target '^func Fuzz' . | sed 's|^./||' | sort)
exit $status
