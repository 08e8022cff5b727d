package spdx3

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"

	spdx "github.com/spdx/tools-golang/spdx/v3/v3_0"

	"github.com/ferroseal/ferroseal/internal/sbomtest"
	"github.com/ferroseal/ferroseal/sbom"
)

// crates summarises a document's crates as the SBOM check and the converters compare them.
func crates(d *sbom.Document, scopes bool) []string {
	byRef := map[string]*sbom.Component{}
	for i := range d.Components {
		byRef[d.Components[i].Ref] = &d.Components[i]
	}
	var out []string
	for _, c := range d.Components {
		var deps []string
		for _, r := range c.DependsOn {
			deps = append(deps, byRef[r].Name)
		}
		slices.Sort(deps)
		var hashes []string
		for _, h := range c.Hashes {
			hashes = append(hashes, string(h.Algorithm)+":"+h.Value)
		}
		scope := c.Scope
		if !scopes {
			scope = ""
		}
		out = append(out, fmt.Sprintf("%s %s %s/%s %s scope=%s license=%q hashes=%v deps=%v authors=%q purl=%s", c.Type, c.Name, c.Version,
			c.Source.Kind, c.Source.URL, scope, c.License, hashes, deps, c.Authors, c.PURL()))
	}
	slices.Sort(out)
	return out
}

// TestRoundTrip: what is written reads back the same (crates, scopes, sources, hashes, licenses, graph, the
// subject and the document's facts), the bytes are the same on every run, and tools-golang's own validation of
// the model accepts the document.
func TestRoundTrip(t *testing.T) {
	for name, doc := range map[string]*sbom.Document{"rich": sbomtest.Rich(), "binary": sbomtest.Chain(7), "empty": sbomtest.Chain(0)} {
		t.Run(name, func(t *testing.T) {
			var a, b bytes.Buffer
			if err := Encode(&a, doc, Options{ToolVersion: "1.0.0"}); err != nil {
				t.Fatal(err)
			}
			if err := Encode(&b, doc, Options{ToolVersion: "1.0.0"}); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(a.Bytes(), b.Bytes()) {
				t.Fatal("two encodings of one document differ")
			}
			var d spdx.Document
			if err := d.FromJSON(bytes.NewReader(a.Bytes())); err != nil {
				t.Fatal(err)
			}
			if err := d.Validate(false); err != nil {
				t.Fatalf("tools-golang's validation: %v\n%s", err, a.String())
			}
			back, err := Decode(a.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			// Chain's runtime crates below build crates (no real build has them) read back as build: scopes are
			// compared on the others.
			scopes := name != "binary"
			if got, want := crates(back, scopes), crates(doc, scopes); !slices.Equal(got, want) {
				t.Errorf("crates differ after a round trip:\n got %q\nwant %q", got, want)
			}
			if back.Subject.Name != doc.Subject.Name || back.Subject.Version != doc.Subject.Version || back.Origin != doc.Origin ||
				back.Target != doc.Target || !slices.Equal(back.Notes, doc.Notes) || len(back.Subject.Hashes) != len(doc.Subject.Hashes) {
				t.Errorf("subject or facts differ: %+v %s %s %q", back.Subject, back.Origin, back.Target, back.Notes)
			}
			if !strings.Contains(a.String(), `"@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld"`) {
				t.Error("not SPDX 3.0.1 JSON-LD")
			}
		})
	}
}
