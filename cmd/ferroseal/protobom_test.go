package main

import (
	"encoding/json"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

// Converters built on protobom (bomctl, GUAC's) turn an SPDX document into CycloneDX by following its relationships
// from the described package, and lose a crate reached only through BUILD_DEPENDENCY_OF. Every crate of the example
// binaries' SPDX SBOMs must survive protobom's conversion.
func TestProtobomKeepsEveryCrate(t *testing.T) {
	testenv.Cargo(t)
	convert := testenv.Tool(t, "protobom-convert")
	dir := t.TempDir()
	for _, name := range []string{"fleet-report", "sha-report", "ws-app"} {
		spdxPath := filepath.Join(dir, name+".spdx.json")
		if res := runCLI(t, nil, "", "sbom", testenv.ExampleBinary(t, name), "-o", "spdx-json="+spdxPath); res.code != 0 {
			t.Fatalf("sbom %s: %s", name, res.stderr)
		}
		var spdx struct {
			Packages []struct {
				ExternalRefs []struct {
					Type    string `json:"referenceType"`
					Locator string `json:"referenceLocator"`
				} `json:"externalRefs"`
			} `json:"packages"`
		}
		json.Unmarshal(mustRead(t, spdxPath), &spdx)
		want := map[string]bool{}
		for _, p := range spdx.Packages {
			for _, r := range p.ExternalRefs {
				if r.Type == "purl" {
					want[r.Locator] = true
				}
			}
		}
		out, err := exec.Command(convert, spdxPath, "application/vnd.cyclonedx+json;version=1.6").Output()
		if err != nil {
			t.Fatalf("protobom %s: %v", name, err)
		}
		type component struct {
			PURL       string      `json:"purl"`
			Components []component `json:"components"`
		}
		var cdx struct {
			Metadata struct {
				Component component `json:"component"`
			} `json:"metadata"`
			Components []component `json:"components"`
		}
		if err := json.Unmarshal(out, &cdx); err != nil {
			t.Fatalf("protobom's CycloneDX: %v", err)
		}
		got := map[string]bool{}
		var walk func([]component)
		walk = func(cs []component) {
			for _, c := range cs {
				got[c.PURL] = true
				walk(c.Components)
			}
		}
		walk(append(cdx.Components, cdx.Metadata.Component))
		lost := 0
		for p := range want {
			if !got[p] {
				lost++
				t.Errorf("%s: protobom loses %s", name, p)
			}
		}
		if len(want) < 10 {
			t.Errorf("%s: only %d packages with a purl", name, len(want))
		}
		t.Logf("%s: %d of %d packages kept", name, len(want)-lost, len(want))
	}
}
