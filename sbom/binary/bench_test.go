package binary

import (
	"bytes"
	"io"
	"os"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/cyclonedx"
)

// BenchmarkReadFile reads fleet-report (46 MB, 205 crates): digest, embedded data and document.
func BenchmarkReadFile(b *testing.B) {
	path := testenv.ExampleBinary(b, "fleet-report")
	for b.Loop() {
		if _, err := ReadFile(path, Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDigest is the floor for BenchmarkReadFile: the SHA-256 of the same file.
func BenchmarkDigest(b *testing.B) {
	path := testenv.ExampleBinary(b, "fleet-report")
	for b.Loop() {
		f, err := os.Open(path)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := Digest(f, []sbom.HashAlgorithm{sbom.SHA256}); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
}

// BenchmarkAuditableRead is the embedded data alone: headers and one section.
func BenchmarkAuditableRead(b *testing.B) {
	path := testenv.ExampleBinary(b, "fleet-report")
	for b.Loop() {
		if _, err := auditable.ReadFile(path, auditable.Options{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkEncodeCycloneDX encodes fleet-report's document.
func BenchmarkEncodeCycloneDX(b *testing.B) {
	res, err := ReadFile(testenv.ExampleBinary(b, "fleet-report"), Options{})
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := cyclonedx.Encode(&buf, res.Doc, cyclonedx.Options{}); err != nil {
			b.Fatal(err)
		}
	}
	_ = io.Discard
}
