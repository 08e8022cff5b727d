#!/usr/bin/env bash
# `make bench`: ferroseal against syft on the same inputs, in one run, as ratios of wall time and peak memory.
#   1. fleet-report: a typical Rust release binary (46 MB, 205 crates, cargo-auditable data), from examples/big-app
#   2. a directory of 100 mixed binaries (ELF, PE, Mach-O thin and universal, Wasm; with and without data)
#   3. a 150 MB binary (fleet-report with 100 MB of incompressible data in an extra section), also timed against
#      Go's SHA-256 of the same file: hashing the artifact is the only full read ferroseal makes
#   4. a container image (OCI layout, ~200 MB of gzip layers): five Rust binaries among 3,000 other files and 200
#      ELF libraries without data, a layer of whiteouts; timed against decompressing and hashing its layers once
#   5. the same image in a registry (the CNCF distribution registry on 127.0.0.1, pushed with skopeo): both tools
#      pull it by reference
# and a start-up table: an empty Go program, ferroseal --version, a Go program hashing a 20 MB binary, and
# ferroseal sbom of that binary, each a whole process.
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

# 20 MB: sha-report with 14 MB of incompressible data in an extra section.
if [[ ! -f $out/binary-20mb || .tools/examples/sha-report -nt $out/binary-20mb ]]; then
  head -c $((14 << 20)) /dev/urandom > "$out/padding.bin"
  llvm-objcopy --add-section .bench-padding="$out/padding.bin" .tools/examples/sha-report "$out/binary-20mb"
  rm -f "$out/padding.bin"
fi

image=$out/image-200mb
if [[ ! -f $image/index.json || $big -nt $image/index.json ]]; then
  go run ./internal/benchtool/mkimage -o "$image" "$big" .tools/examples/sha-report .tools/examples/ws-app \
    ../shared/fixtures/real/rustsec-binary-with-audit-info ../shared/fixtures/real/osv-scalibr-uses_serde_json
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

inputs=("fleet-report=$big" "100 mixed binaries=$mixed" "150 MB binary=$out/large-150mb" "container image=$image")
if [[ -x .tools/bin/registry ]] && command -v skopeo >/dev/null; then
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf 'version: 0.1\nlog:\n  level: error\nstorage:\n  filesystem:\n    rootdirectory: %s\nhttp:\n  addr: 127.0.0.1:%s\n' "$out/registry-data" "$port" > "$out/registry.yml"
  .tools/bin/registry serve "$out/registry.yml" >"$out/registry.log" 2>&1 &
  registry_pid=$!
  trap 'kill $registry_pid 2>/dev/null' EXIT
  for _ in $(seq 50); do curl -fs "http://127.0.0.1:$port/v2/" >/dev/null && break; sleep 0.1; done
  skopeo copy --quiet --dest-tls-verify=false "oci:$image" "docker://127.0.0.1:$port/bench:1"
  inputs+=("registry image=registry:127.0.0.1:$port/bench:1")
else
  echo "bench: no registry row (scripts/install-tools.sh registry; skopeo from Debian)" >&2
fi

echo "ferroseal $(bin/ferroseal --version | awk '{print $NF}') vs syft $(go version -m .tools/bin/syft | awk '$1 == "mod" {print $3}'), $(nproc) CPUs, median of ${BENCH_RUNS:-5} runs" >&2
go run ./internal/benchtool -ferroseal bin/ferroseal -syft .tools/bin/syft -runs "${BENCH_RUNS:-5}" \
  -startup "$out/binary-20mb" "${inputs[@]}"
