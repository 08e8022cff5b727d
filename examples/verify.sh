#!/usr/bin/env bash
# What a person who downloaded a release runs: checksums, then the artifact against its signed attestations: who
# signed (the release workflow of the repository, at the tag), where and how it was built (SLSA provenance), and
# that the SBOM lists exactly the crates compiled into the binary.
#   examples/verify.sh ARTIFACT OWNER/REPO TAG       (in the directory of the downloaded files)
# OIDC_ISSUER, SERVER and WORKFLOW change the defaults for GitHub.com's release.yml.
set -euo pipefail
artifact=${1:?usage: verify.sh ARTIFACT OWNER/REPO TAG}
repo=${2:?usage: verify.sh ARTIFACT OWNER/REPO TAG}
tag=${3:?usage: verify.sh ARTIFACT OWNER/REPO TAG}
server=${SERVER:-https://github.com}
workflow=${WORKFLOW:-release.yml}
issuer=${OIDC_ISSUER:-https://token.actions.githubusercontent.com}
identity="$server/$repo/.github/workflows/$workflow@refs/tags/$tag"

sha256sum --check --ignore-missing SHA256SUMS
ferroseal verify "$artifact" \
  --certificate-identity "$identity" \
  --certificate-oidc-issuer "$issuer" \
  --certificate-github-workflow-repository "$repo" \
  --use-signed-timestamps \
  --type cyclonedx --type spdx --type slsaprovenance1 --check-sbom \
  --builder-id "$identity" \
  --source-uri "${server#https://}/$repo" --source-tag "$tag"
