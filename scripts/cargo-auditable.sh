#!/usr/bin/env bash
# Where the real cargo-auditable (https://github.com/rust-secure-code/cargo-auditable) cannot be installed (it comes
# from crates.io), this stands in for `cargo auditable build`: it embeds the same dependency data the same way. For
# each binary of the workspace members it makes the payload cargo-auditable would (from cargo metadata for the
# build's target and features, by internal/auditablegen), assembles it into an object with a .dep-v0 section and
# the AUDITABLE_VERSION_INFO symbol, and links it in with `cargo rustc`. scripts/install-tools.sh puts it on
# .tools/cargo-auditable/bin as `cargo-auditable`, so that `cargo auditable build ...` finds it.
#   cargo auditable build [cargo build options]
set -euo pipefail
[[ ${1:-} == auditable ]] && shift
if [[ ${1:-} != build ]]; then
  echo "cargo-auditable (ferroseal's stand-in): only 'cargo auditable build' is supported" >&2
  exit 2
fi
shift
repo=$(cd "$(dirname "$(readlink -f "$0")")/.." && pwd)
mkpayload=${FERROSEAL_MKPAYLOAD:-$repo/.tools/bin/ferroseal-mkpayload}
[[ -x $mkpayload ]] || { go build -o "$mkpayload" "$repo/internal/auditablegen/mkpayload"; }

args=("$@")
meta_args=(--format-version 1)
target=$(rustc -vV | sed -n 's/^host: //p')
for ((i = 0; i < ${#args[@]}; i++)); do
  a=${args[i]}
  case $a in
    --manifest-path|--features|-F) meta_args+=("$a" "${args[i+1]}"); ((i++)) || true ;;
    --manifest-path=*|--features=*|--all-features|--no-default-features|--locked|--offline|--frozen) meta_args+=("$a") ;;
    --target) target=${args[i+1]}; ((i++)) || true ;;
    --target=*) target=${a#--target=} ;;
  esac
done
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cargo metadata "${meta_args[@]}" --filter-platform "$target" > "$work/meta.json"
status=0
while read -r pkg bin; do
  "$mkpayload" -root "$pkg" -format 1 -o "$work/$bin.zlib" < "$work/meta.json" 2>/dev/null
  printf '.section .dep-v0,"",@progbits\n.globl AUDITABLE_VERSION_INFO\nAUDITABLE_VERSION_INFO:\n.incbin "%s"\n' "$work/$bin.zlib" > "$work/$bin.s"
  as -o "$work/$bin.o" "$work/$bin.s"
  cargo rustc "${args[@]}" --package "$pkg" --bin "$bin" -- \
    -C link-arg="$work/$bin.o" -C link-arg=-Wl,--undefined=AUDITABLE_VERSION_INFO || status=$?
done < <("$mkpayload" -bins < "$work/meta.json")
exit $status
