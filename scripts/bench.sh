#!/usr/bin/env bash
# `make bench`: ferroseal against syft on the same inputs, in one run, as ratios of wall time and peak memory.
#   1. fleet-report: a typical Rust release binary (46 MB, 205 crates, cargo-auditable data), from examples/big-app
#   2. a directory of 100 mixed binaries (ELF, PE, Mach-O thin and universal, Wasm; with and without data)
#   3. a 150 MB binary (fleet-report with 100 MB of incompressible data in an extra section), also timed against
#      Go's SHA-256 of the same file: hashing the artifact is the only full read ferroseal makes
# Inputs are made in bench-out/ (git-ignored). BENCH_RUNS sets the measured runs (default 5).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=$repo/bench-out
mkdir -p "$out"
[[ -x .tools/examples/fleet-report ]] || scripts/build-examples.sh
[[ -x bin/ferroseal ]] || make build

big=.tools/examples/fleet-report
if [[ ! -f $out/large-150mb || $big -nt $out/large-150mb ]]; then
  head -c $((100 << 20)) /dev/urandom > "$out/padding.bin"
  llvm-objcopy --add-section .bench-padding="$out/padding.bin" "$big" "$out/large-150mb"
  rm -f "$out/padding.bin"
fi

mixed=$out/mixed-100
if [[ ! -d $mixed || $(find "$mixed" -type f | wc -l) -ne 100 ]]; then
  rm -rf "$mixed" && mkdir -p "$mixed"
  pool=(.tools/examples/ws-app .tools/examples/sha-report)
  for f in sbom/auditable/testdata/bin/*; do
    case $f in *hostile*|*.zlib|*.json) ;; *) pool+=("$f") ;; esac
  done
  for shared in ../shared/fixtures/real/*; do [[ -f $shared ]] && pool+=("$shared"); done
  for i in $(seq 0 99); do
    src=${pool[$((i % ${#pool[@]}))]}
    cp "$src" "$mixed/$(printf '%03d' "$i")-$(basename "$src")"
  done
fi

echo "ferroseal $(bin/ferroseal --version | awk '{print $NF}') vs syft $(go version -m .tools/bin/syft | awk '$1 == "mod" {print $3}'), $(nproc) CPUs, median of ${BENCH_RUNS:-5} runs" >&2
go run ./internal/benchtool -ferroseal bin/ferroseal -syft .tools/bin/syft -runs "${BENCH_RUNS:-5}" \
  "fleet-report=$big" "100 mixed binaries=$mixed" "150 MB binary=$out/large-150mb"
