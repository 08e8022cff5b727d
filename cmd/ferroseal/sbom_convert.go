package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/format"
)

func (a *app) sbomConvertCommand() *cobra.Command {
	var outputs []string
	var outputDir, maxSize string
	cmd := &cobra.Command{
		Use:   "convert SBOM",
		Short: "Convert an SBOM between CycloneDX, SPDX 2 and SPDX 3",
		Long: `Convert an SBOM from one format to another: CycloneDX JSON or XML (1.4 to 1.7), SPDX 2.2 or 2.3 JSON or
tag-value, SPDX 3.0.1 JSON-LD, into any format ferroseal writes. The input format is recognised from the file's
content; SBOM - reads standard input.

Everything ferroseal writes in one format reads back from another, but for what a format has no place for (the
text of a custom license in CycloneDX, several authors before CycloneDX 1.6): a warning names each such loss.
Documents of other tools convert what ferroseal's model holds (components, their versions, package URLs,
digests, licenses, authors, links, properties, the dependency graph and its scopes); services, vulnerabilities,
files and annotations are left out. Relationships that name components the document does not describe are left
out, and the converted document says how many.

The converted document keeps the input's creation time (SOURCE_DATE_EPOCH, or now, when it has none), so that a
conversion is reproducible.`,
		Example: `  ferroseal sbom convert app.cdx.json -o spdx-json=app.spdx.json
  ferroseal sbom convert app.spdx.json -o spdx3-json -o cyclonedx-json@1.7 --output-dir converted
  syft scan dir:. -o cyclonedx-json | ferroseal sbom convert - -o spdx3-json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			outs, err := parseOutputs(outputs, outputDir)
			if err != nil {
				return err
			}
			max, err := parseSize(maxSize)
			if err != nil {
				return usageErrorf("--max-file-size: %v", err)
			}
			in := args[0]
			data, err := a.readSBOM(in, max)
			if err != nil {
				return err
			}
			doc, from, err := format.Decode(data)
			if err != nil {
				return fmt.Errorf("%s: %w", displayName(in), err)
			}
			reproducible := true
			if doc.Created.IsZero() {
				doc.Created, reproducible, err = a.created()
				if err != nil {
					return err
				}
			}
			for _, o := range outs {
				for _, loss := range format.Losses(doc, o.format) {
					a.warnf("%s to %s: %s", from, o.format, loss)
				}
			}
			name := convertName(in, doc)
			return a.writeDocuments([]namedDoc{{name: name, doc: doc}}, outs, outputDir, a.tool(reproducible))
		},
	}
	fl := cmd.Flags()
	fl.StringArrayVarP(&outputs, "output", "o", nil, outputFlagHelp)
	fl.StringVar(&outputDir, "output-dir", "", "write NAME.cdx.json, NAME.spdx.json, ... into this directory (NAME: the input's name)")
	fl.StringVar(&maxSize, "max-file-size", "256MiB", "largest SBOM read")
	return cmd
}

// convertName is the name of a converted document's files: the input's file name without its SBOM extension, or
// the subject's name for standard input.
func convertName(in string, doc *sbom.Document) string {
	if in == "-" {
		return strings.TrimSpace(doc.Subject.Name)
	}
	base := filepath.Base(in)
	for _, ext := range []string{".cdx.json", ".cdx.xml", ".spdx3.json", ".spdx.json", ".spdx", ".bom.json", ".bom.xml", ".json", ".xml"} {
		if n, ok := strings.CutSuffix(base, ext); ok && n != "" {
			return n
		}
	}
	return base
}

// readSBOM reads an SBOM file, or standard input for -, at most max bytes.
func (a *app) readSBOM(in string, max int64) ([]byte, error) {
	if in == "-" {
		return inputfile.ReadMax(a.stdin, "standard input", max)
	}
	return inputfile.ReadAll(in, max)
}

func displayName(in string) string {
	if in == "-" {
		return "standard input"
	}
	return in
}
