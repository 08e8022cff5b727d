// Package cargosource reads cargo's source ids ("registry+https://...", "git+https://...#rev", "path+file://...")
// into the model's sources, for every reader of cargo's data: metadata, lockfiles and SBOM precursors.
package cargosource

import (
	"net/url"
	"strings"

	"github.com/ferroseal/ferroseal/sbom"
)

// crates.io's index, under the git and the sparse protocol.
const (
	CratesIOGit    = "https://github.com/rust-lang/crates.io-index"
	CratesIOSparse = "https://index.crates.io/"
)

// Parse turns a cargo source id ("registry+https://...", "sparse+https://...", "git+https://...?branch=x#rev")
// into an [sbom.Source]. An empty string is a local crate. Local directories ("directory+", "local-registry+",
// "path+") are never carried into the result, and credentials are removed from URLs.
func Parse(id string) sbom.Source {
	if id == "" {
		return sbom.Source{Kind: sbom.SourcePath}
	}
	kind, rest, ok := strings.Cut(id, "+")
	if !ok {
		return sbom.Source{Kind: sbom.SourceUnknown, Label: safeLabel(id)}
	}
	switch kind {
	case "registry", "sparse":
		u := cleanURL(rest, false)
		if isCratesIO(u) {
			return sbom.Source{Kind: sbom.SourceCratesIO}
		}
		return sbom.Source{Kind: sbom.SourceRegistry, URL: u}
	case "git":
		rev := ""
		if i := strings.LastIndexByte(rest, '#'); i >= 0 {
			rest, rev = rest[:i], rest[i+1:]
		}
		return sbom.Source{Kind: sbom.SourceGit, URL: cleanURL(rest, true), Rev: rev}
	case "path":
		return sbom.Source{Kind: sbom.SourcePath}
	case "directory", "local-registry":
		return sbom.Source{Kind: sbom.SourceRegistry, Label: kind}
	default:
		return sbom.Source{Kind: sbom.SourceUnknown, Label: safeLabel(kind)}
	}
}

func isCratesIO(u string) bool {
	u = strings.TrimSuffix(u, "/")
	return u == CratesIOGit || u == strings.TrimSuffix(CratesIOSparse, "/")
}

// cleanURL drops credentials, and for git the query (branch, tag, rev selectors) and fragment. It returns "" for
// anything that is not a network URL: a file:// URL would leak a local path.
func cleanURL(s string, dropQuery bool) string {
	u, err := url.Parse(s)
	if err != nil || u.Scheme == "" || u.Scheme == "file" || u.Host == "" {
		return ""
	}
	u.User = nil
	u.Fragment, u.RawFragment = "", ""
	if dropQuery {
		u.RawQuery, u.ForceQuery = "", false
	}
	return u.String()
}

func safeLabel(s string) string {
	if len(s) > 64 || strings.ContainsAny(s, "/\\:") {
		return ""
	}
	return s
}
