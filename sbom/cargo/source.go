package cargo

import (
	"github.com/ferroseal/ferroseal/internal/cargosource"
	"github.com/ferroseal/ferroseal/sbom"
)

// crates.io's index, under the git and the sparse protocol.
const (
	CratesIOGit    = cargosource.CratesIOGit
	CratesIOSparse = cargosource.CratesIOSparse
)

// ParseSource turns a cargo source id ("registry+https://...", "sparse+https://...", "git+https://...?branch=x#rev")
// into an [sbom.Source]. An empty string is a local crate. Local directories ("directory+", "local-registry+",
// "path+") are never carried into the result, and credentials are removed from URLs.
func ParseSource(id string) sbom.Source { return cargosource.Parse(id) }
