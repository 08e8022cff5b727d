#!/usr/bin/env bash
# Builds the examples' binaries with their cargo-auditable dependency data, into .tools/examples/ (git-ignored):
#   ws-app (examples/workspace), sha-report (examples/crates), fleet-report (examples/big-app, 200+ crates).
# With `cargo auditable` installed, it builds with it. Without (crates.io, where it comes from, may be out of
# reach), it embeds the data the way cargo-auditable does: the payload for the build's target and features, made
# from cargo metadata by internal/auditablegen, assembled into an object file with a .dep-v0 section and the
# AUDITABLE_VERSION_INFO symbol, and linked into the binary with `cargo rustc`.
#   scripts/build-examples.sh [NAME...]     (default: all three)
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
"$repo/scripts/install-tools.sh" debian-crates
export CARGO_HOME=$repo/.tools/cargo-home
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$repo/.tools/examples-target}
out=$repo/.tools/examples
mkdir -p "$out"

build() { # MANIFEST BIN
  local manifest=$1 bin=$2 work
  if cargo auditable --version >/dev/null 2>&1; then
    echo "build-examples: $bin: cargo auditable build" >&2
    cargo auditable build --release --locked --offline --manifest-path "$manifest" --package "$bin" --bin "$bin"
  else
    echo "build-examples: $bin: cargo rustc with embedded dependency data (cargo-auditable is not installed)" >&2
    work=$(mktemp -d)
    local host
    host=$(rustc -vV | sed -n 's/^host: //p')
    cargo metadata --format-version 1 --locked --offline --filter-platform "$host" --manifest-path "$manifest" \
      | go run ./internal/auditablegen/mkpayload -root "$bin" -format 1 -o "$work/dep.zlib"
    printf '.section .dep-v0,"",@progbits\n.globl AUDITABLE_VERSION_INFO\nAUDITABLE_VERSION_INFO:\n.incbin "%s"\n' "$work/dep.zlib" > "$work/dep.s"
    as -o "$work/dep.o" "$work/dep.s"
    cargo rustc --release --locked --offline --manifest-path "$manifest" --package "$bin" --bin "$bin" -- \
      -C link-arg="$work/dep.o" -C link-arg=-Wl,--undefined=AUDITABLE_VERSION_INFO
    rm -rf "$work"
  fi
  cp "$CARGO_TARGET_DIR/release/$bin" "$out/$bin"
  echo "build-examples: $out/$bin" >&2
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
