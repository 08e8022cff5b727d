package cyclonedx

import (
	"bytes"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/ferroseal/ferroseal/internal/sbomtest"
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
