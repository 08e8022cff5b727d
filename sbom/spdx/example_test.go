package spdx_test

import (
	"fmt"
	"os"
	"time"

	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/spdx"
)

func ExampleDocument() {
	doc := &sbom.Document{
		Subject: sbom.Component{Ref: "local:app@1.0.0", Type: sbom.TypeApplication, Name: "app", Version: "1.0.0",
			DependsOn: []string{"pkg:cargo/autocfg@1.1.0", "pkg:cargo/itoa@1.0.1"}},
		Components: []sbom.Component{
			{Ref: "pkg:cargo/autocfg@1.1.0", Type: sbom.TypeLibrary, Name: "autocfg", Version: "1.1.0", Scope: sbom.ScopeBuild,
				Source: sbom.Source{Kind: sbom.SourceCratesIO}},
			{Ref: "pkg:cargo/itoa@1.0.1", Type: sbom.TypeLibrary, Name: "itoa", Version: "1.0.1", Scope: sbom.ScopeRuntime,
				Source: sbom.Source{Kind: sbom.SourceCratesIO}},
		},
		Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Origin:  sbom.OriginMetadata,
	}
	d, err := spdx.Document(doc, spdx.Options{ToolVersion: "1.0.0"})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	for _, p := range d.Packages {
		fmt.Println(p.PackageSPDXIdentifier, p.PackageDownloadLocation)
	}
	for _, r := range d.Relationships {
		fmt.Println(r.RefA.ElementRefID, r.Relationship, r.RefB.ElementRefID)
	}
	// Output:
	// Package-app-1.0.0 NOASSERTION
	// Package-autocfg-1.1.0 https://crates.io/api/v1/crates/autocfg/1.1.0/download
	// Package-itoa-1.0.1 https://crates.io/api/v1/crates/itoa/1.0.1/download
	// DOCUMENT DESCRIBES Package-app-1.0.0
	// Package-autocfg-1.1.0 BUILD_DEPENDENCY_OF Package-app-1.0.0
	// Package-app-1.0.0 DEPENDS_ON Package-autocfg-1.1.0
	// Package-app-1.0.0 DEPENDS_ON Package-itoa-1.0.1
}
