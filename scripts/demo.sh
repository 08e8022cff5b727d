#!/usr/bin/env bash
# The ferroseal demo: build the example workspace, then write its SBOMs. Run it through `make demo`.
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=${DEMO_OUT:-$repo/demo-out}
ferroseal=$repo/bin/ferroseal
[[ -x $ferroseal ]] || go build -o "$ferroseal" ./cmd/ferroseal

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }

step "Setting up the example crates (Debian's packaged crates stand in for crates.io, which is not needed)"
scripts/install-tools.sh debian-crates
export CARGO_HOME=$repo/.tools/cargo-home
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
rm -rf "$out" && mkdir -p "$out"

step "Building examples/workspace (cargo build --release --locked --offline)"
cargo build --release --locked --offline --manifest-path examples/workspace/Cargo.toml
bin=examples/workspace/target/release/ws-app
"$bin" demo

step "SBOMs of the workspace's binary member, from cargo metadata and Cargo.lock"
"$ferroseal" sbom --manifest-path examples/workspace/Cargo.toml --offline --locked \
  -o cyclonedx-json="$out/ws-app.cdx.json" -o spdx-json="$out/ws-app.spdx.json" \
  -o cyclonedx-xml="$out/ws-app.cdx.xml" -o spdx-tag-value="$out/ws-app.spdx"

step "Done. Files in $out:"
ls -l "$out"
