// Package sbomtest makes SBOM documents for tests: shapes and sizes the real inputs of the tests do not reach.
package sbomtest

import (
	"fmt"
	"strings"
	"time"

	"github.com/ferroseal/ferroseal/sbom"
)

// Chain is the document of a binary of n crates in a chain (each depends on the next), every third a build crate,
// with the fields every encoder writes: hashes, licenses, authors, a description with markup characters.
func Chain(n int) *sbom.Document {
	d := &sbom.Document{
		Subject: sbom.Component{Ref: "artifact:app", Type: sbom.TypeApplication, Name: "app", NoPURL: true,
			Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: fmt.Sprintf("%064x", n)}}},
		Created: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Origin: sbom.OriginAuditable,
		Properties: []sbom.Property{{Name: sbom.PropArchitecture, Value: "x86_64"}},
		Notes:      []string{"a note"},
	}
	for i := range n {
		c := sbom.Component{Ref: fmt.Sprintf("crate:c%06d", i), Type: sbom.TypeLibrary, Name: fmt.Sprintf("c%d", i),
			Version: fmt.Sprintf("1.0.%d", i), Source: sbom.Source{Kind: sbom.SourceCratesIO}, Scope: sbom.ScopeRuntime,
			License: "MIT OR Apache-2.0", Authors: []string{"A <a@example.com>"}, Description: "<b>&</b>",
			Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: fmt.Sprintf("%064x", i)}}}
		if i%3 == 2 {
			c.Scope = sbom.ScopeBuild
		}
		if i+1 < n {
			c.DependsOn = []string{fmt.Sprintf("crate:c%06d", i+1)}
		}
		d.Components = append(d.Components, c)
	}
	if n > 0 {
		d.Subject.DependsOn = []string{"crate:c000000"}
	}
	d.Normalize()
	return d
}

// Rich is the document of a cargo project with every field a component can have, in every scope: a git crate,
// another registry's crate, a local crate, a LicenseRef, several hashes, authors, links.
func Rich() *sbom.Document {
	d := &sbom.Document{
		Subject: sbom.Component{Ref: "local:app@1.0.0", Type: sbom.TypeApplication, Name: "app", Version: "1.0.0",
			Source: sbom.Source{Kind: sbom.SourcePath}, License: "MIT", Description: "An app",
			Authors: []string{"A <a@example.com>"}, Homepage: "https://example.com", Repository: "https://github.com/o/app",
			DependsOn: []string{"pkg:cargo/itoa@1.0.1", "git:gen@0.1.0", "local:dev@0.1.0", "registry:corp/internal@2.0.0"}},
		Components: []sbom.Component{
			{Ref: "pkg:cargo/itoa@1.0.1", Type: sbom.TypeLibrary, Name: "itoa", Version: "1.0.1", Scope: sbom.ScopeRuntime,
				Source: sbom.Source{Kind: sbom.SourceCratesIO}, License: "MIT OR Apache-2.0", Documentation: "https://docs.rs/itoa",
				Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: strings.Repeat("cd", 32)}}},
			{Ref: "git:gen@0.1.0", Type: sbom.TypeLibrary, Name: "gen", Version: "0.1.0", Scope: sbom.ScopeBuild,
				Source:     sbom.Source{Kind: sbom.SourceGit, URL: "https://github.com/o/gen", Rev: strings.Repeat("1", 40)},
				Properties: []sbom.Property{{Name: sbom.PropFeatures, Value: "default,std"}}, DependsOn: []string{"pkg:cargo/itoa@1.0.1"}},
			{Ref: "local:dev@0.1.0", Type: sbom.TypeLibrary, Name: "dev", Version: "0.1.0", Scope: sbom.ScopeDev,
				Source: sbom.Source{Kind: sbom.SourcePath}, License: "LicenseRef-custom"},
			{Ref: "registry:corp/internal@2.0.0", Type: sbom.TypeLibrary, Name: "internal", Version: "2.0.0", Scope: sbom.ScopeRuntime,
				Source: sbom.Source{Kind: sbom.SourceRegistry, URL: "https://registry.example/index/"}, Authors: []string{"Corp"}},
		},
		LicenseRefs: []sbom.LicenseRef{{ID: "LicenseRef-custom", Name: "custom", Text: "All rights reserved."}},
		Created:     time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Target:      "x86_64-unknown-linux-gnu",
		Origin:      sbom.OriginMetadata,
		Notes:       []string{"A note."},
	}
	d.Normalize()
	return d
}
