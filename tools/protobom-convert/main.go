// Command protobom-convert converts an SBOM with protobom, the library bomctl and GUAC's converters are built on:
// protobom-convert IN FORMAT (a protobom format, e.g. "application/vnd.cyclonedx+json;version=1.6") writes the
// converted document to stdout. The tests use it as an independent consumer of ferroseal's documents; it is built
// by scripts/install-tools.sh in its own module, so that protobom is no dependency of ferroseal.
package main

import (
	"fmt"
	"os"

	"github.com/protobom/protobom/pkg/formats"
	"github.com/protobom/protobom/pkg/reader"
	"github.com/protobom/protobom/pkg/writer"
)

func main() {
	if len(os.Args) != 3 {
		fmt.Fprintln(os.Stderr, "usage: protobom-convert IN FORMAT")
		os.Exit(2)
	}
	doc, err := reader.New().ParseFile(os.Args[1])
	if err != nil {
		fmt.Fprintf(os.Stderr, "protobom-convert: %s: %v\n", os.Args[1], err)
		os.Exit(1)
	}
	if err := writer.New(writer.WithFormat(formats.Format(os.Args[2]))).WriteStream(doc, os.Stdout); err != nil {
		fmt.Fprintf(os.Stderr, "protobom-convert: %v\n", err)
		os.Exit(1)
	}
}
