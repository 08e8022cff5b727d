// Package sbomtest makes SBOM documents for tests: shapes and sizes the real inputs of the tests do not reach.
package sbomtest

import (
	"fmt"
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
