package cyclonedx

import (
	"bytes"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/ferroseal/ferroseal/internal/sbomtest"
	"github.com/ferroseal/ferroseal/sbom"
)

// TestStreamedEqualsWhole: the streamed encoder writes the bytes cyclonedx-go writes for the whole document, for
// sizes around the chunk boundaries and every specification version.
func TestStreamedEqualsWhole(t *testing.T) {
	defer func(c, f int) { chunk, streamFrom = c, f }(chunk, streamFrom)
	chunk, streamFrom = 64, 0
	for _, n := range []int{0, 1, 2, 63, 64, 65, 129, 300} {
		doc := sbomtest.Chain(n)
		for _, v := range []SpecVersion{Spec1_4, Spec1_5, Spec1_6} {
			opts := Options{SpecVersion: v, ToolVersion: "1.0.0", Reproducible: true}
			var streamed, whole bytes.Buffer
			if err := Encode(&streamed, doc, opts); err != nil {
				t.Fatal(err)
			}
			bom, version, err := BOM(doc, opts)
			if err != nil {
				t.Fatal(err)
			}
			if err := cdx.NewBOMEncoder(&whole, cdx.BOMFileFormatJSON).SetPretty(true).SetEscapeHTML(false).EncodeVersion(bom, version); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(streamed.Bytes(), whole.Bytes()) {
				t.Errorf("CycloneDX %s, %d crates: the streamed document differs from the whole one", v, n)
			}
		}
	}
}

// TestNativeVersionsUnconverted: a version written without cyclonedx-go's conversion gives the bytes the
// conversion gives, in JSON and XML.
func TestNativeVersionsUnconverted(t *testing.T) {
	rich := sbomtest.Rich()
	if err := rich.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, doc := range []*sbom.Document{rich, sbomtest.Chain(0), sbomtest.Chain(5)} {
		for v := range native {
			for _, f := range []Format{JSON, XML} {
				opts := Options{Format: f, SpecVersion: v, ToolVersion: "1.0.0", Reproducible: true}
				var direct, converted bytes.Buffer
				if err := Encode(&direct, doc, opts); err != nil {
					t.Fatal(err)
				}
				bom, version, err := BOM(doc, opts)
				if err != nil {
					t.Fatal(err)
				}
				ff := cdx.BOMFileFormatJSON
				if f == XML {
					ff = cdx.BOMFileFormatXML
				}
				if err := cdx.NewBOMEncoder(&converted, ff).SetPretty(true).SetEscapeHTML(false).EncodeVersion(bom, version); err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(direct.Bytes(), converted.Bytes()) {
					t.Errorf("CycloneDX %s %v: written as built, the document differs from the converted one:\n%s\n---\n%s", v, f, direct.String(), converted.String())
				}
			}
		}
	}
}
