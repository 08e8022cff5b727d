#!/usr/bin/env bash
# The ferroseal demo, run by `make demo`: build the example workspace with its dependency list embedded, recording
# SLSA provenance; write SBOMs from cargo and from the binary; sign everything with a throwaway key; verify the
# release as a user would, with ferroseal and (when installed) cosign. Files land in demo-out/ (DEMO_OUT).
set -euo pipefail
repo=$(cd "$(dirname "$0")/.." && pwd)
cd "$repo"
out=${DEMO_OUT:-$repo/demo-out}
ferroseal=$repo/bin/ferroseal
go build -o "$ferroseal" ./cmd/ferroseal

step() { printf '\n\033[1m==> %s\033[0m\n' "$*"; }
run() { printf '$ %s\n' "$*"; "$@"; }

step "Setting up: the example's crates (Debian's packaged crates stand in for crates.io) and cargo-auditable"
scripts/install-tools.sh debian-crates cargo-auditable
export CARGO_HOME=$repo/.tools/cargo-home
export CARGO_TARGET_DIR=$repo/.tools/examples-target
export PATH=$repo/.tools/cargo-auditable/bin:$PATH
if [[ $(readlink -f "$(command -v cargo-auditable)") == "$repo/scripts/cargo-auditable.sh" ]]; then
  echo "cargo-auditable is not installed (it comes from crates.io): using ferroseal's stand-in, which embeds the same data"
fi
export SOURCE_DATE_EPOCH=${SOURCE_DATE_EPOCH:-$(git log -1 --format=%ct 2>/dev/null || date +%s)}
export FERROSEAL_PASSWORD=${FERROSEAL_PASSWORD:-demo-$RANDOM$RANDOM}
rm -rf "$out" && mkdir -p "$out/keys" "$out/release" "$out/from-cargo"
cd "$out"

step "A throwaway signing key"
run "$ferroseal" keygen --output-key-prefix keys/demo

step "Building examples/workspace with cargo auditable, recording SLSA provenance (ferroseal build)"
run "$ferroseal" build --provenance provenance.intoto.json -- \
  cargo auditable build --release --locked --offline --manifest-path "$repo/examples/workspace/Cargo.toml"
cp "$CARGO_TARGET_DIR/release/ws-app" release/ws-app
release/ws-app demo

step "What the binary itself says it contains (ferroseal inspect)"
run "$ferroseal" inspect release/ws-app

step "SBOMs of the workspace, from cargo metadata and Cargo.lock (ferroseal sbom)"
run "$ferroseal" sbom --manifest-path "$repo/examples/workspace/Cargo.toml" --offline --locked \
  --output-dir from-cargo -o cyclonedx-json -o spdx-json -o cyclonedx-xml -o spdx-tag-value

step "The release: SBOMs from the binary, signed SBOM and provenance attestations, SHA256SUMS (ferroseal release)"
run "$ferroseal" release release --key keys/demo.key --provenance provenance.intoto.json \
  --lockfile "$repo/examples/workspace/Cargo.lock"

step "Verifying the release as a user would (ferroseal verify)"
(cd release && run sha256sum --check SHA256SUMS)
run "$ferroseal" verify release/ws-app --key keys/demo.pub \
  --type cyclonedx --type spdx --type slsaprovenance1 --check-sbom \
  --builder-id https://github.com/ferroseal/ferroseal/blob/main/docs/buildtype-cargo-v1.md#local-builder

cosign=$(command -v cosign || echo "$repo/.tools/bin/cosign")
if [[ -x $cosign ]]; then
  step "And with cosign"
  n=0
  while IFS= read -r line; do
    n=$((n + 1))
    printf '%s\n' "$line" > "attestation-$n.sigstore.json"
    type=$(printf '%s' "$line" | "$ferroseal" verify release/ws-app --key keys/demo.pub --bundle "attestation-$n.sigstore.json" --output json |
      sed -n 's/.*"predicateType": "\(.*\)".*/\1/p' | head -1)
    run "$cosign" verify-blob-attestation --key keys/demo.pub --insecure-ignore-tlog=true --type "$type" \
      --bundle "attestation-$n.sigstore.json" release/ws-app 2>&1 | grep -v WARNING
  done < release/ws-app.intoto.jsonl
  rm -f attestation-*.sigstore.json
else
  echo "(cosign is not installed: scripts/install-tools.sh cosign adds it)"
fi

step "Done. Files in $out:"
find . -type f ! -name '*.key' | sort | sed 's|^\./|  |'
echo
echo "  keys/demo.key is the throwaway private key; its password was FERROSEAL_PASSWORD."
