package release

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ferroseal/ferroseal/sbom"
)

// DependencyTrackScript is the file name of the upload script a release writes with Options.DependencyTrack.
const DependencyTrackScript = "dependency-track.sh"

// dtUpload is one SBOM to upload to Dependency-Track: the file and the project it belongs to.
type dtUpload struct {
	file, project, version string
}

// dependencyTrackScript writes a POSIX shell script that uploads each CycloneDX SBOM of the release to
// Dependency-Track's BOM API (POST /api/v1/bom, multipart, autoCreate), one curl per SBOM, with the project name
// and version of its artifact. The server and key come from DT_URL and DT_API_KEY when it runs; its arguments are
// passed to every curl (--form-string parentName=..., -F isLatest=true, --form-string projectTags=...). Names
// come from files and crates, which an attacker may have chosen: every one is single-quoted for the shell and
// given to curl with --form-string (no @file or ;type= reading) except the SBOM file, whose name is quoted for
// curl's own form syntax.
func dependencyTrackScript(uploads []dtUpload) []byte {
	var b bytes.Buffer
	b.WriteString(`#!/bin/sh
# Uploads this release's CycloneDX SBOMs to Dependency-Track (BOM upload API; projects are made when missing).
#   DT_URL=https://dtrack.example.com DT_API_KEY=... sh ` + DependencyTrackScript + ` [curl options for every upload]
# e.g. --form-string parentName=fleet --form-string parentVersion=2026.1 -F isLatest=true --form-string projectTags=release
set -eu
cd "$(dirname "$0")"
: "${DT_URL:?set DT_URL to the Dependency-Track API server}"
: "${DT_API_KEY:?set DT_API_KEY to an API key allowed to upload BOMs and create projects}"
`)
	for _, u := range uploads {
		version := ""
		if u.version != "" { // a project without version is one Dependency-Track allows
			version = " --form-string " + shellQuote("projectVersion="+u.version)
		}
		fmt.Fprintf(&b, "curl -fsS -X POST \"$DT_URL/api/v1/bom\" -H \"X-Api-Key: $DT_API_KEY\" -F autoCreate=true \\\n  --form-string %s%s -F %s \"$@\"\necho\n",
			shellQuote("projectName="+u.project), version, shellQuote("bom=@"+curlFormQuote(u.file)))
	}
	return b.Bytes()
}

// dtProject is the Dependency-Track project of an artifact: the package it was built from, when the SBOM names
// exactly one at its root (a binary's root crate), else the artifact itself (name and version).
func dtProject(doc *sbom.Document, artifact string) (name, version string) {
	if len(doc.Subject.DependsOn) == 1 {
		if c := doc.Component(doc.Subject.DependsOn[0]); c != nil && c.Name != "" && c.Version != "" {
			return c.Name, c.Version
		}
	}
	return artifact, doc.Subject.Version
}

// shellQuote quotes s as one word for a POSIX shell: single quotes, each ' written as '\”.
func shellQuote(s string) string {
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}

// curlFormQuote quotes a file name for curl's -F NAME=@FILE syntax: double quotes, with " and \ escaped, so that
// a ; or , in the name is part of it.
func curlFormQuote(name string) string {
	return `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(name) + `"`
}
