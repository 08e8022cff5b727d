package spdx

import (
	"bytes"
	"testing"

	"github.com/ferroseal/ferroseal/internal/sbomtest"
)

// TestStreamedEqualsWhole: the streamed encoder writes the bytes tools-golang writes for the whole document, for
// sizes around the chunk boundaries.
func TestStreamedEqualsWhole(t *testing.T) {
	defer func(c, f int) { chunk, streamFrom = c, f }(chunk, streamFrom)
	chunk, streamFrom = 64, 0
	for _, n := range []int{0, 1, 2, 63, 64, 65, 129, 300} {
		doc := sbomtest.Chain(n)
		var streamed, whole bytes.Buffer
		if err := Encode(&streamed, doc, Options{ToolVersion: "1.0.0"}); err != nil {
			t.Fatal(err)
		}
		d, err := Document(doc, Options{ToolVersion: "1.0.0"})
		if err != nil {
			t.Fatal(err)
		}
		if err := writeJSON(d, &whole); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(streamed.Bytes(), whole.Bytes()) {
			t.Errorf("%d crates: the streamed document differs from the whole one", n)
		}
	}
}
