#!/usr/bin/env bash
# Installs the pinned external tools the tests, the demo and the benchmarks use, into .tools/ (git-ignored).
# Each tool is built once per pinned version; a second run is a no-op. Usage:
#   scripts/install-tools.sh [test|bench|all|TOOL...]
# Groups: test  = sbom-utility cosign timestamp-server rekor-posix fulcio xmllint gnu-time packaging jco debian-crates
#                 cargo-auditable guac protobom-convert registry
#         bench = syft hyperfine
# FERROSEAL_TOOLS overrides the install folder (default: <repo>/.tools).
set -euo pipefail

repo=$(cd "$(dirname "$0")/.." && pwd)
tools=${FERROSEAL_TOOLS:-$repo/.tools}
bin=$tools/bin
stamps=$tools/stamps
mkdir -p "$bin" "$stamps"
export GOTOOLCHAIN=local GOFLAGS=-buildvcs=false

SBOM_UTILITY_VERSION=v0.18.1
COSIGN_VERSION=v3.1.3
TSA_VERSION=v2.1.3
REKOR_TILES_VERSION=v2.3.0
FULCIO_VERSION=v1.8.8
SYFT_VERSION=v1.57.1
JCO_VERSION=1.35.0
CDX_JS_VERSION=10.3.0
GUAC_VERSION=v1.1.0
DISTRIBUTION_VERSION=v3.1.2

log() { printf 'install-tools: %s\n' "$*" >&2; }

# have NAME VERSION: true when NAME was installed at VERSION and its binary is still there.
have() { [[ -f "$stamps/$1@$2" && -x "$bin/$1" ]]; }
stamp() { rm -f "$stamps/$1"@*; touch "$stamps/$1@$2"; }

go_install() { # NAME VERSION PACKAGE@VERSION [binary name]
  local name=$1 version=$2 pkg=$3 built=${4:-$1}
  have "$name" "$version" && return 0
  log "building $name $version (go install $pkg)"
  GOBIN="$bin" go install "$pkg"
  [[ "$built" == "$name" ]] || mv -f "$bin/$built" "$bin/$name"
  stamp "$name" "$version"
}

install_sbom_utility() {
  local v=$SBOM_UTILITY_VERSION
  have sbom-utility "$v" && return 0
  log "building sbom-utility $v (from the module download: the proxy refuses go install of it)"
  local dir
  dir=$(GONOSUMDB=github.com/CycloneDX/sbom-utility GOFLAGS=-mod=mod go mod download -json \
        "github.com/CycloneDX/sbom-utility@$v" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n "$dir" ]] || { log "sbom-utility: go mod download gave no Dir"; return 1; }
  local work
  work=$(mktemp -d)
  cp -r "$dir/." "$work/"
  chmod -R u+w "$work"
  (cd "$work" && GONOSUMDB=github.com/CycloneDX/sbom-utility GOFLAGS=-mod=mod go build -o "$bin/sbom-utility" .)
  rm -rf "$work"
  stamp sbom-utility "$v"
}

apt_install() { # PACKAGE... (skips what is already installed)
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  ((${#missing[@]})) || return 0
  log "apt-get install ${missing[*]}"
  local sudo=()
  [[ $(id -u) -eq 0 ]] || sudo=(sudo)
  if ! "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; then
    "${sudo[@]}" apt-get update -q >/dev/null
    "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

install_xmllint() { command -v xmllint >/dev/null || apt_install libxml2-utils; }

# The tools that make the packages and images the container tests read: xz, zstd, dpkg-deb, rpmbuild (Debian's
# rpm), umoci and skopeo (OCI layouts, docker-archives and oci-archives made independently of go-containerregistry).
install_packaging() {
  local need=()
  command -v xz >/dev/null || need+=(xz-utils)
  command -v zstd >/dev/null || need+=(zstd)
  command -v dpkg-deb >/dev/null || need+=(dpkg)
  command -v rpmbuild >/dev/null || need+=(rpm)
  command -v umoci >/dev/null || need+=(umoci)
  command -v skopeo >/dev/null || need+=(skopeo)
  ((${#need[@]} == 0)) || apt_install "${need[@]}"
}

# jco (the Bytecode Alliance's JavaScript component tools) wraps a core Wasm module into a component, as
# wasm-tools component new does: the Wasm component tests use it. From npm, pinned, into .tools/npm.
install_jco() {
  have jco "$JCO_VERSION" && return 0
  command -v npm >/dev/null || apt_install npm
  log "installing @bytecodealliance/jco $JCO_VERSION (npm)"
  npm install --silent --no-audit --no-fund --prefix "$tools/npm" "@bytecodealliance/jco@$JCO_VERSION" >/dev/null
  ln -sf "$tools/npm/node_modules/.bin/jco" "$bin/jco"
  stamp jco "$JCO_VERSION"
}

# The CycloneDX JavaScript library's strict JSON validator (ajv, the official schemas) checks CycloneDX 1.7, which
# sbom-utility does not know: scripts/validate-cyclonedx.mjs runs it. From npm, pinned, into .tools/npm.
install_cdx_js() {
  mkdir -p "$tools/npm"
  cp "$repo/scripts/validate-cyclonedx.mjs" "$tools/npm/validate-cyclonedx.mjs"
  printf '#!/bin/sh\nCDX_NODE_MODULES="%s/npm/node_modules" exec node "%s/npm/validate-cyclonedx.mjs" "$@"\n' "$tools" "$tools" > "$bin/cdx-validate"
  chmod +x "$bin/cdx-validate"
  have cdx-validate "$CDX_JS_VERSION" && return 0
  command -v npm >/dev/null || apt_install npm
  log "installing @cyclonedx/cyclonedx-library $CDX_JS_VERSION with ajv (npm)"
  npm install --silent --no-audit --no-fund --prefix "$tools/npm" "@cyclonedx/cyclonedx-library@$CDX_JS_VERSION" \
    ajv@8.17.1 ajv-formats@3.0.1 ajv-formats-draft2019@1.6.1 >/dev/null
  stamp cdx-validate "$CDX_JS_VERSION"
}

# GNU time measures a command's peak memory (the memory tests); the shell keyword of the same name does not.
install_gnu_time() { [[ -x /usr/bin/time ]] || apt_install time; }

install_debian_crates() {
  # The crates the examples build with, from Debian's packaged crates (an offline crates.io mirror), and a
  # CARGO_HOME whose config.toml points cargo at them: export CARGO_HOME=.tools/cargo-home to use it.
  mapfile -t pkgs < <(grep -v '^#' "$repo/examples/debian-crates.txt" | awk 'NF')
  apt_install "${pkgs[@]}"
  mkdir -p "$tools/cargo-home"
  cp "$repo/examples/debian-registry.toml" "$tools/cargo-home/config.toml"
}

install_cargo_auditable() {
  # The real cargo-auditable when it is installed; else ferroseal's stand-in (scripts/cargo-auditable.sh), which
  # embeds the same data the same way. Put .tools/cargo-auditable/bin on PATH to use it.
  mkdir -p "$tools/cargo-auditable/bin"
  GOBIN="$bin" go build -o "$bin/ferroseal-mkpayload" "$repo/internal/auditablegen/mkpayload"
  if PATH=$(echo "$PATH" | tr ':' '\n' | grep -v "$tools/cargo-auditable/bin" | paste -sd:) cargo auditable --version >/dev/null 2>&1; then
    rm -f "$tools/cargo-auditable/bin/cargo-auditable"
  else
    ln -sf "$repo/scripts/cargo-auditable.sh" "$tools/cargo-auditable/bin/cargo-auditable"
  fi
}

install_guac() {
  # guacone and guacgql, built in GUAC's own module (go install pkg@version is refused: the proxy lists no versions
  # of it, and its dependencies resolve only with its own go.sum).
  local v=$GUAC_VERSION
  have guacone "$v" && have guacgql "$v" && return 0
  log "building guacone and guacgql $v (in the module download)"
  local dir
  dir=$(go mod download -json "github.com/guacsec/guac@$v" | sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')
  [[ -n "$dir" ]] || { log "guac: go mod download gave no Dir"; return 1; }
  (cd "$dir" && GOFLAGS=-mod=readonly go build -o "$bin/" ./cmd/guacone ./cmd/guacgql)
  stamp guacone "$v"
  stamp guacgql "$v"
}

install_protobom_convert() {
  # tools/protobom-convert: protobom (the library of bomctl and GUAC's converters) as a command, in its own module.
  local v
  v=$(cd "$repo/tools/protobom-convert" && cat go.mod go.sum main.go | sha256sum | cut -c1-16)
  have protobom-convert "$v" && return 0
  log "building protobom-convert ($v)"
  (cd "$repo/tools/protobom-convert" && GOFLAGS=-mod=readonly go build -o "$bin/protobom-convert" .)
  stamp protobom-convert "$v"
}

install_one() {
  case $1 in
    sbom-utility) install_sbom_utility ;;
    cosign) go_install cosign "$COSIGN_VERSION" "github.com/sigstore/cosign/v3/cmd/cosign@$COSIGN_VERSION" ;;
    timestamp-server) go_install timestamp-server "$TSA_VERSION" "github.com/sigstore/timestamp-authority/v2/cmd/timestamp-server@$TSA_VERSION" ;;
    rekor-posix) go_install rekor-posix "$REKOR_TILES_VERSION" "github.com/sigstore/rekor-tiles/v2/cmd/rekor-server/posix@$REKOR_TILES_VERSION" posix ;;
    fulcio) go_install fulcio "$FULCIO_VERSION" "github.com/sigstore/fulcio@$FULCIO_VERSION" ;;
    syft) go_install syft "$SYFT_VERSION" "github.com/anchore/syft/cmd/syft@$SYFT_VERSION" ;;
    xmllint) install_xmllint ;;
    gnu-time) install_gnu_time ;;
    packaging) install_packaging ;;
    jco) install_jco ;;
    cdx-js) install_cdx_js ;;
    hyperfine) command -v hyperfine >/dev/null || apt_install hyperfine ;;
    debian-crates) install_debian_crates ;;
    cargo-auditable) install_cargo_auditable ;;
    guac) install_guac ;;
    registry) go_install registry "$DISTRIBUTION_VERSION" "github.com/distribution/distribution/v3/cmd/registry@$DISTRIBUTION_VERSION" ;;
    protobom-convert) install_protobom_convert ;;
    *) log "unknown tool $1"; return 2 ;;
  esac
}

targets=("$@")
((${#targets[@]})) || targets=(test)
for t in "${targets[@]}"; do
  case $t in
    test) for x in sbom-utility cosign timestamp-server rekor-posix fulcio xmllint gnu-time packaging jco cdx-js syft debian-crates cargo-auditable guac protobom-convert registry; do install_one "$x"; done ;;
    bench) for x in syft hyperfine; do install_one "$x"; done ;;
    all) for x in sbom-utility cosign timestamp-server rekor-posix fulcio xmllint gnu-time packaging jco cdx-js debian-crates cargo-auditable guac protobom-convert registry syft hyperfine; do install_one "$x"; done ;;
    *) install_one "$t" ;;
  esac
done
