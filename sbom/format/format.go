// Package format names the SBOM formats ferroseal writes and dispatches a document to the right encoder:
// cyclonedx-json and cyclonedx-xml (specification 1.6, or @1.5, @1.4), spdx-json and spdx-tag-value (SPDX 2.3).
package format

import (
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/cyclonedx"
	"github.com/ferroseal/ferroseal/sbom/spdx"
)

// ErrUnknownFormat is returned for a format name that is not one of [Names].
var ErrUnknownFormat = errors.New("unknown SBOM format")

// Names are the format names, as given to -o.
var Names = []string{"cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-tag-value"}

// Format is one output format with its version.
type Format struct {
	// Name is one of [Names].
	Name string
	// CycloneDX is the CycloneDX specification version, for the cyclonedx formats.
	CycloneDX cyclonedx.SpecVersion
}

// Parse parses NAME or NAME@VERSION: "cyclonedx-json@1.5", "spdx-json", "spdx-json@2.3".
func Parse(s string) (Format, error) {
	name, version, hasVersion := strings.Cut(strings.TrimSpace(s), "@")
	switch name {
	case "cyclonedx", "cdx", "cdx-json":
		name = "cyclonedx-json"
	case "cdx-xml":
		name = "cyclonedx-xml"
	case "spdx-tv", "spdx-tag":
		name = "spdx-tag-value"
	case "spdx":
		return Format{}, fmt.Errorf("%w %q: say spdx-json (what most tools read) or spdx-tag-value", ErrUnknownFormat, s)
	}
	f := Format{Name: name}
	switch name {
	case "cyclonedx-json", "cyclonedx-xml":
		v, err := cyclonedx.ParseSpecVersion(version)
		if err != nil {
			return Format{}, fmt.Errorf("%w %q: %v", ErrUnknownFormat, s, err)
		}
		f.CycloneDX = v
	case "spdx-json", "spdx-tag-value":
		if hasVersion && version != "2.3" {
			return Format{}, fmt.Errorf("%w %q: SPDX is written in version 2.3", ErrUnknownFormat, s)
		}
	default:
		return Format{}, fmt.Errorf("%w %q (want one of %s)", ErrUnknownFormat, s, strings.Join(Names, ", "))
	}
	return f, nil
}

// String returns the format as Parse accepts it.
func (f Format) String() string {
	if f.CycloneDX != 0 && f.CycloneDX != cyclonedx.Spec1_6 {
		return f.Name + "@" + f.CycloneDX.String()
	}
	return f.Name
}

// Ext returns the conventional file name suffix: .cdx.json, .cdx.xml, .spdx.json or .spdx.
func (f Format) Ext() string {
	switch f.Name {
	case "cyclonedx-json":
		return ".cdx.json"
	case "cyclonedx-xml":
		return ".cdx.xml"
	case "spdx-json":
		return ".spdx.json"
	default:
		return ".spdx"
	}
}

// Exts returns the file extension of each format of a set: Ext, unless two formats of the set share it (two
// CycloneDX versions), when each of those is named by its version before it: .1.5.cdx.json and .1.6.cdx.json.
func Exts(fs []Format) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Ext()
		for j, g := range fs {
			if j != i && g.Ext() == f.Ext() && g != f {
				out[i] = "." + f.CycloneDX.String() + f.Ext()
				break
			}
		}
	}
	return out
}

// MediaType returns the format's IANA media type.
func (f Format) MediaType() string {
	switch f.Name {
	case "cyclonedx-json":
		return "application/vnd.cyclonedx+json"
	case "cyclonedx-xml":
		return "application/vnd.cyclonedx+xml"
	case "spdx-json":
		return "application/spdx+json"
	default:
		return "text/spdx"
	}
}

// Tool names the program writing a document.
type Tool struct {
	Name    string
	Version string
	// Reproducible says the document's time is an input, not the clock (CycloneDX records cdx:reproducible).
	Reproducible bool
}

// Encode writes doc to w in format f.
func Encode(w io.Writer, doc *sbom.Document, f Format, tool Tool) error {
	switch f.Name {
	case "cyclonedx-json", "cyclonedx-xml":
		enc := cyclonedx.JSON
		if f.Name == "cyclonedx-xml" {
			enc = cyclonedx.XML
		}
		return cyclonedx.Encode(w, doc, cyclonedx.Options{
			Format: enc, SpecVersion: f.CycloneDX, ToolName: tool.Name, ToolVersion: tool.Version, Reproducible: tool.Reproducible,
		})
	case "spdx-json", "spdx-tag-value":
		enc := spdx.JSON
		if f.Name == "spdx-tag-value" {
			enc = spdx.TagValue
		}
		return spdx.Encode(w, doc, spdx.Options{Format: enc, ToolName: tool.Name, ToolVersion: tool.Version})
	}
	return fmt.Errorf("%w %q", ErrUnknownFormat, f.Name)
}

// Warm encodes a small document in each format, to nowhere: the encoders' reflection (encoding/json and
// encoding/xml build a plan for each type on its first use, a few milliseconds for CycloneDX's types) is then
// ready. Run it in a goroutine while the inputs are read, and the first document is written at full speed; it
// may run concurrently with Encode.
func Warm(fs ...Format) {
	doc := &sbom.Document{
		Subject: sbom.Component{Ref: "artifact:warm", Type: sbom.TypeApplication, Name: "warm",
			Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: strings.Repeat("0", 64)}}, DependsOn: []string{"pkg:cargo/warm@1.0.0"}},
		Components: []sbom.Component{{Ref: "pkg:cargo/warm@1.0.0", Type: sbom.TypeLibrary, Name: "warm", Version: "1.0.0",
			Source: sbom.Source{Kind: sbom.SourceCratesIO}, Scope: sbom.ScopeRuntime, License: "MIT"}},
		Origin: sbom.OriginAuditable,
	}
	for _, f := range fs {
		Encode(io.Discard, doc, f, Tool{}) //nolint:errcheck // a warm-up: its output and errors do not matter
	}
}
