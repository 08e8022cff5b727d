#!/usr/bin/env bash
# Builds the test binaries of sbom/auditable/testdata/bin: tiny executables for every container and architecture
# Rust targets, each carrying a cargo-auditable payload the way cargo-auditable links it (a static byte array in a
# .dep-v0 section, kept by a global symbol), plus hostile variants. It needs only the rustup toolchain
# (RUSTC_BOOTSTRAP=1 and #![no_core], so no standard library for the foreign targets), its bundled rust-lld,
# llvm-lipo and llvm-objcopy. The payloads come from the example workspace's real `cargo metadata`.
#
# The outputs are committed; run this again only to change them: scripts/make-auditable-fixtures.sh
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
out=$repo/sbom/auditable/testdata/bin
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$out"
cd "$repo"

sysroot=$(rustc --print sysroot)
lld=$sysroot/lib/rustlib/$(rustc -vV | sed -n 's/^host: //p')/bin/rust-lld
lipo=$(command -v llvm-lipo || command -v llvm-lipo-14)
objcopy=$(command -v llvm-objcopy || command -v llvm-objcopy-14)

# Payloads from the example workspace (Debian's crates stand in for crates.io).
export CARGO_HOME=$work/cargo-home
mkdir -p "$CARGO_HOME" && cp examples/debian-registry.toml "$CARGO_HOME/config.toml"
meta() { cargo metadata --format-version 1 --offline --locked --filter-platform "$1" --manifest-path examples/workspace/Cargo.toml; }
meta x86_64-unknown-linux-gnu | go run ./internal/auditablegen/mkpayload -root ws-app -format 1 -o "$out/ws-app.format1.zlib"
meta x86_64-unknown-linux-gnu | go run ./internal/auditablegen/mkpayload -root ws-app -format 8 -o "$out/ws-app.format8.zlib"
meta x86_64-unknown-linux-gnu | go run ./internal/auditablegen/mkpayload -root ws-app -omit-format -o "$out/ws-app.format0.zlib"
meta x86_64-pc-windows-msvc | go run ./internal/auditablegen/mkpayload -root ws-app -format 1 -o "$out/ws-app-windows.format1.zlib"

mkfixture() { go run ./internal/auditablegen/mkfixture "$@"; }

# build PAYLOAD TARGET SECTION OUT: one executable for TARGET whose SECTION holds PAYLOAD.
build() {
  local payload=$1 target=$2 section=$3 dest=$4
  local n bytes src=$work/nocore.rs obj=$work/$target.o
  n=$(stat -c %s "$payload")
  bytes=$(od -An -v -tu1 "$payload" | tr -s ' \n' ',' | sed 's/^,//;s/,$//')
  cat > "$src" <<RS
#![feature(no_core, lang_items)]
#![no_core]
#![allow(internal_features)]
#[lang = "pointee_sized"] pub trait PointeeSized {}
#[lang = "meta_sized"] pub trait MetaSized: PointeeSized {}
#[lang = "sized"] pub trait Sized: MetaSized {}
#[lang = "sync"] pub unsafe trait Sync {}
#[lang = "copy"] pub trait Copy {}
impl Copy for u8 {}
unsafe impl Sync for [u8; $n] {}
#[lang = "drop_in_place"]
#[allow(unconditional_recursion)]
pub unsafe fn drop_in_place<T: PointeeSized>(p: *mut T) { unsafe { drop_in_place(p) } }
#[used]
#[unsafe(link_section = "$section")]
#[unsafe(no_mangle)]
pub static AUDITABLE_VERSION_INFO: [u8; $n] = [$bytes];
#[unsafe(no_mangle)]
pub extern "C" fn main() -> i32 { 0 }
RS
  RUSTC_BOOTSTRAP=1 rustc --edition 2024 --crate-type lib --target "$target" -C panic=abort --emit obj -O -o "$obj" "$src"
  case $target in
    *-linux-*) "$lld" -flavor gnu -e main -o "$dest" "$obj" ;;
    x86_64-pc-windows-msvc) "$lld" -flavor link /entry:main /subsystem:console /nodefaultlib /out:"$dest" "$obj" ;;
    i686-pc-windows-msvc) "$lld" -flavor link /entry:main /subsystem:console /nodefaultlib /machine:x86 /out:"$dest" "$obj" ;;
    wasm32-*) "$lld" -flavor wasm --no-entry --export=main -o "$dest" "$obj" ;;
    x86_64-apple-darwin) "$lld" -flavor darwin -arch x86_64 -platform_version macos 11.0 11.0 -e _main -o "$dest" "$obj" ;;
    aarch64-apple-darwin) "$lld" -flavor darwin -arch arm64 -platform_version macos 11.0 11.0 -e _main -o "$dest" "$obj" ;;
  esac
  rm -f "$dest.pdb"
}

p1=$out/ws-app.format1.zlib
# Every container and architecture.
build "$p1" x86_64-unknown-linux-gnu .dep-v0 "$out/x86_64-linux.elf"
build "$p1" i686-unknown-linux-gnu .dep-v0 "$out/i686-linux.elf"
build "$p1" aarch64-unknown-linux-gnu .dep-v0 "$out/aarch64-linux.elf"
build "$p1" powerpc64-unknown-linux-gnu .dep-v0 "$out/powerpc64-linux.elf"   # big-endian
build "$out/ws-app-windows.format1.zlib" x86_64-pc-windows-msvc .dep-v0 "$out/x86_64-windows.exe"
build "$out/ws-app-windows.format1.zlib" i686-pc-windows-msvc .dep-v0 "$out/i686-windows.exe"
build "$p1" wasm32-unknown-unknown .dep-v0 "$out/wasm32.wasm"
build "$p1" x86_64-apple-darwin __DATA,.dep-v0 "$out/x86_64-darwin.macho"
build "$p1" aarch64-apple-darwin __DATA,.dep-v0 "$out/aarch64-darwin.macho"
"$lipo" -create "$out/x86_64-darwin.macho" "$out/aarch64-darwin.macho" -output "$out/universal-darwin.macho"

# Payload formats: 0 (no format field) and 8.
build "$out/ws-app.format0.zlib" x86_64-unknown-linux-gnu .dep-v0 "$out/format0.elf"
build "$out/ws-app.format8.zlib" x86_64-unknown-linux-gnu .dep-v0 "$out/format8.elf"

# A Wasm module whose .dep-v0 custom section has 5-byte padded LEB128 sizes, appended as Go's linker would.
build "$out/ws-app.format1.zlib" wasm32-unknown-unknown .nothing "$work/plain.wasm"
mkfixture wasm-custom "$work/plain.wasm" "$out/ws-app.format8.zlib" "$out/padded-leb.wasm"

# Legacy (pre-2022) sections: features, no root.
cat > "$work/legacy.json" <<'JSON'
{"packages":[{"name":"legacy-app","version":"0.1.0","source":"local","features":["default"],"dependencies":[1]},{"name":"libc","version":"0.2.80","source":"crates.io","features":["std"]}]}
JSON
mkfixture zlib "$work/legacy.json" "$out/legacy.zlib"
cp "$work/legacy.json" "$out/legacy.zlib.json"
build "$out/legacy.zlib" x86_64-unknown-linux-gnu .rust-deps-v0 "$out/legacy.elf"
build "$out/legacy.zlib" x86_64-pc-windows-msvc rdep-v0 "$out/legacy.exe"
build "$out/legacy.zlib" x86_64-apple-darwin __TEXT,rust-deps-v0 "$out/legacy.macho"

# Hostile payloads, each in an x86_64 ELF.
hostile() { # NAME JSON
  printf '%s' "$2" > "$work/$1.json"
  mkfixture zlib "$work/$1.json" "$work/$1.zlib"
  build "$work/$1.zlib" x86_64-unknown-linux-gnu .dep-v0 "$out/hostile-$1.elf"
}
hostile index-out-of-range '{"packages":[{"name":"a","version":"1.0.0","source":"local","dependencies":[7],"root":true}]}'
hostile negative-index '{"packages":[{"name":"a","version":"1.0.0","source":"local","dependencies":[-1],"root":true}]}'
hostile cycle '{"packages":[{"name":"a","version":"1.0.0","source":"local","dependencies":[1],"root":true},{"name":"b","version":"1.0.0","source":"crates.io","dependencies":[2]},{"name":"c","version":"1.0.0","source":"crates.io","dependencies":[1]}]}'
hostile self-dependency '{"packages":[{"name":"a","version":"1.0.0","source":"local","dependencies":[0],"root":true}]}'
hostile two-roots '{"packages":[{"name":"a","version":"1.0.0","source":"local","root":true},{"name":"b","version":"1.0.0","source":"local","root":true}]}'
hostile zero-roots '{"packages":[{"name":"a","version":"1.0.0","source":"local","dependencies":[1]},{"name":"b","version":"1.0.0","source":"crates.io"}]}'
hostile unknown-kind '{"packages":[{"name":"a","version":"1.0.0","source":"local","kind":"dev","root":true}]}'
hostile bad-json '{"packages":[{"name":"a",'
hostile not-an-object '["packages"]'
hostile duplicate-package '{"packages":[{"name":"a","version":"1.0.0","source":"local","root":true},{"name":"a","version":"1.0.0","source":"local"}]}'
mkfixture bomb $((64 << 20)) "$work/bomb.zlib"
build "$work/bomb.zlib" x86_64-unknown-linux-gnu .dep-v0 "$out/hostile-bomb.elf"
build "$work/legacy.json" x86_64-unknown-linux-gnu .dep-v0 "$out/hostile-not-zlib.elf"
# The same section twice.
"$objcopy" --add-section .dep-v0="$p1" "$out/x86_64-linux.elf" "$out/hostile-duplicate-section.elf"
# The section runs past the end of the file.
off=$(readelf -S -W "$out/x86_64-linux.elf" | awk '{for (i = 1; i <= NF; i++) if ($i == ".dep-v0") print "0x" $(i + 3)}')
head -c $((off + 40)) "$out/x86_64-linux.elf" > "$out/hostile-truncated.elf"
# Not auditable at all: a binary without the section.
build "$p1" x86_64-unknown-linux-gnu .data.other "$out/no-section.elf"

rm -f "$out"/*.zlib.json.tmp
ls -l "$out"

# A WebAssembly component wrapping the core module, made by jco new (what wasm-tools component new does).
jco=${JCO:-$repo/.tools/bin/jco}
if [[ -x $jco ]]; then
  "$jco" new "$out/wasm32.wasm" -o "$out/component.wasm"
else
  echo "make-auditable-fixtures: jco not installed (scripts/install-tools.sh jco): component.wasm not remade" >&2
fi
