package cyclonedx_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/cyclonedx"
)

func exampleDoc() *sbom.Document {
	doc := &sbom.Document{
		Subject: sbom.Component{Ref: "local:app@1.0.0", Type: sbom.TypeApplication, Name: "app", Version: "1.0.0",
			Source: sbom.Source{Kind: sbom.SourcePath}, DependsOn: []string{"pkg:cargo/itoa@1.0.1", "pkg:cargo/autocfg@1.1.0"}},
		Components: []sbom.Component{
			{Ref: "pkg:cargo/itoa@1.0.1", Type: sbom.TypeLibrary, Name: "itoa", Version: "1.0.1", Scope: sbom.ScopeRuntime,
				Source: sbom.Source{Kind: sbom.SourceCratesIO}, License: "MIT OR Apache-2.0"},
			{Ref: "pkg:cargo/autocfg@1.1.0", Type: sbom.TypeLibrary, Name: "autocfg", Version: "1.1.0", Scope: sbom.ScopeBuild,
				Source: sbom.Source{Kind: sbom.SourceCratesIO}, License: "Apache-2.0"},
		},
		Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		Target:  "x86_64-unknown-linux-gnu",
		Origin:  sbom.OriginMetadata,
	}
	doc.Normalize()
	return doc
}

func ExampleEncode() {
	var buf bytes.Buffer
	if err := cyclonedx.Encode(&buf, exampleDoc(), cyclonedx.Options{ToolVersion: "1.0.0", Reproducible: true}); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	var bom struct {
		SpecVersion string `json:"specVersion"`
		Components  []struct {
			Purl  string `json:"purl"`
			Scope string `json:"scope"`
		} `json:"components"`
	}
	if err := json.Unmarshal(buf.Bytes(), &bom); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println("CycloneDX", bom.SpecVersion)
	for _, c := range bom.Components {
		fmt.Println(c.Purl, c.Scope)
	}
	// Output:
	// CycloneDX 1.6
	// pkg:cargo/autocfg@1.1.0 excluded
	// pkg:cargo/itoa@1.0.1 required
}
