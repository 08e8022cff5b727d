package format_test

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferroseal/ferroseal/sbom/format"
)

// FuzzDecode: whatever the bytes, the readers of every format return a document or an error, never panic; a
// document they return is valid and writes in every format.
func FuzzDecode(f *testing.F) {
	paths, _ := filepath.Glob(filepath.Join("..", "..", "cmd", "ferroseal", "testdata", "golden", "*", "*"))
	for _, p := range paths {
		if data, err := os.ReadFile(p); err == nil && len(data) < 64<<10 {
			f.Add(data)
		}
	}
	f.Add([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6","components":[{"name":"a"},{"name":"a"}],"dependencies":[{"ref":"x","dependsOn":["y"]}]}`))
	f.Add([]byte(`{"spdxVersion":"SPDX-2.3","packages":[{"SPDXID":"SPDXRef-a","name":"a"}],"relationships":[{"spdxElementId":"SPDXRef-DOCUMENT","relationshipType":"DESCRIBES","relatedSpdxElement":"SPDXRef-a"}]}`))
	f.Add([]byte(`{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[{"type":"SpdxDocument","spdxId":"urn:d","rootElement":["urn:p"]},{"type":"software_Package","spdxId":"urn:p","name":"p"}]}`))
	f.Add([]byte("SPDXVersion: SPDX-2.3\nPackageName: a\nSPDXID: SPDXRef-a\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, _, err := format.Decode(data)
		if err != nil {
			return
		}
		if err := doc.Validate(); err != nil {
			t.Fatalf("Decode returned an invalid document: %v", err)
		}
		for _, name := range everyFormat {
			if err := format.Encode(io.Discard, doc, format.MustParse(name), format.Tool{}); err != nil {
				t.Fatalf("a decoded document does not encode as %s: %v", name, err)
			}
		}
		var buf bytes.Buffer
		if err := format.Encode(&buf, doc, format.MustParse("cyclonedx-json"), format.Tool{}); err == nil {
			if _, _, err := format.Decode(buf.Bytes()); err != nil {
				t.Fatalf("our own CycloneDX of a decoded document does not decode: %v", err)
			}
		}
	})
}
