#!/usr/bin/env bash
# Builds the examples' binaries with their cargo-auditable dependency data (`cargo auditable build`), into
# .tools/examples/ (git-ignored): ws-app (examples/workspace), sha-report (examples/crates) and fleet-report
# (examples/big-app, 200+ crates). It uses the real cargo-auditable when installed, else ferroseal's stand-in
# (scripts/cargo-auditable.sh), which embeds the same data the same way. Cargo also writes its own SBOM precursor
# (-Z sbom with build.sbom = true; RUSTC_BOOTSTRAP=1 allows the unstable flag on a stable toolchain): NAME.cargo-sbom.json
# is copied next to each binary.
#   scripts/build-examples.sh [NAME...]     (default: all three)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
"$repo/scripts/install-tools.sh" debian-crates cargo-auditable
tools=${FERROSEAL_TOOLS:-$repo/.tools}
export CARGO_HOME=$tools/cargo-home
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$tools/examples-target}
export PATH=$tools/cargo-auditable/bin:$PATH
out=$tools/examples
mkdir -p "$out"

build() { # MANIFEST BIN
  RUSTC_BOOTSTRAP=1 CARGO_BUILD_SBOM=true cargo auditable build --release --locked --offline -Z sbom --manifest-path "$1"
  cp "$CARGO_TARGET_DIR/release/$2" "$out/$2"
  cp "$CARGO_TARGET_DIR/release/$2.cargo-sbom.json" "$out/$2.cargo-sbom.json"
  echo "build-examples: $out/$2" >&2
}

names=("$@")
((${#names[@]})) || names=(ws-app sha-report fleet-report)
for n in "${names[@]}"; do
  case $n in
    ws-app) build examples/workspace/Cargo.toml ws-app ;;
    sha-report) build examples/crates/Cargo.toml sha-report ;;
    fleet-report) build examples/big-app/Cargo.toml fleet-report ;;
    *) echo "build-examples: unknown example $n" >&2; exit 2 ;;
  esac
done
