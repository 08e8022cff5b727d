// Package format names the SBOM formats ferroseal writes and dispatches a document to the right encoder:
// cyclonedx-json and cyclonedx-xml (specification 1.6, or @1.7, @1.5, @1.4), spdx-json and spdx-tag-value (SPDX
// 2.3), and spdx3-json (SPDX 3.0.1 JSON-LD).
package format

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/cyclonedx"
	"github.com/ferroseal/ferroseal/sbom/spdx"
	"github.com/ferroseal/ferroseal/sbom/spdx3"
)

// ErrUnknownFormat is returned for a format name that is not one of [Names].
var ErrUnknownFormat = errors.New("unknown SBOM format")

// Names are the format names, as given to -o.
var Names = []string{"cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-tag-value", "spdx3-json"}

// Format is one output format with its version.
type Format struct {
	// Name is one of [Names].
	Name string
	// CycloneDX is the CycloneDX specification version, for the cyclonedx formats.
	CycloneDX cyclonedx.SpecVersion
}

// Parse parses NAME or NAME@VERSION: "cyclonedx-json@1.5", "spdx-json", "spdx-json@2.3"; "spdx-json@3.0.1" (or @3,
// @3.0) is spdx3-json.
func Parse(s string) (Format, error) {
	name, version, hasVersion := strings.Cut(strings.TrimSpace(s), "@")
	switch name {
	case "cyclonedx", "cdx", "cdx-json":
		name = "cyclonedx-json"
	case "cdx-xml":
		name = "cyclonedx-xml"
	case "spdx-tv", "spdx-tag":
		name = "spdx-tag-value"
	case "spdx3":
		name = "spdx3-json"
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
		switch {
		case !hasVersion || version == "2.3":
		case name == "spdx-json" && (version == "3" || version == "3.0" || version == "3.0.1"):
			f.Name = "spdx3-json"
		default:
			return Format{}, fmt.Errorf("%w %q: SPDX 2 is written in version 2.3, SPDX 3 (spdx3-json) in 3.0.1", ErrUnknownFormat, s)
		}
	case "spdx3-json":
		if hasVersion && version != "3" && version != "3.0" && version != "3.0.1" {
			return Format{}, fmt.Errorf("%w %q: SPDX 3 is written in version 3.0.1", ErrUnknownFormat, s)
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

// Ext returns the conventional file name suffix: .cdx.json, .cdx.xml, .spdx.json, .spdx or .spdx3.json.
func (f Format) Ext() string {
	switch f.Name {
	case "cyclonedx-json":
		return ".cdx.json"
	case "cyclonedx-xml":
		return ".cdx.xml"
	case "spdx-json":
		return ".spdx.json"
	case "spdx3-json":
		return ".spdx3.json"
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
	case "spdx3-json":
		return "application/spdx3+json"
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
	case "spdx3-json":
		return spdx3.Encode(w, doc, spdx3.Options{ToolName: tool.Name, ToolVersion: tool.Version})
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

// ErrUnrecognized is returned by [Decode] for a document in none of the formats it reads.
var ErrUnrecognized = errors.New("not a CycloneDX, SPDX 2 or SPDX 3 document")

// Detect names the format of an encoded SBOM from its first bytes and, for JSON, its top-level keys: CycloneDX
// JSON or XML (with the specification version it declares), SPDX 2 JSON or tag-value, SPDX 3 JSON-LD.
func Detect(data []byte) (Format, error) {
	t := bytes.TrimLeft(data, " \t\r\n\ufeff")
	switch {
	case len(t) == 0:
		return Format{}, fmt.Errorf("%w: empty", ErrUnrecognized)
	case t[0] == '<':
		m := xmlNamespace.FindSubmatch(t[:min(len(t), 4096)])
		if m == nil {
			return Format{}, fmt.Errorf("%w: XML without the CycloneDX namespace", ErrUnrecognized)
		}
		v, err := cyclonedx.ParseSpecVersion(string(m[1]))
		if err != nil {
			return Format{}, fmt.Errorf("%w: CycloneDX XML %s", ErrUnrecognized, m[1])
		}
		return Format{Name: "cyclonedx-xml", CycloneDX: v}, nil
	case t[0] == '{':
		var head struct {
			BOMFormat   string          `json:"bomFormat"`
			SpecVersion string          `json:"specVersion"`
			SPDXVersion string          `json:"spdxVersion"`
			Context     json.RawMessage `json:"@context"`
		}
		if err := json.Unmarshal(t, &head); err != nil {
			return Format{}, fmt.Errorf("%w: %v", ErrUnrecognized, err)
		}
		switch {
		case head.BOMFormat == "CycloneDX":
			v, err := cyclonedx.ParseSpecVersion(head.SpecVersion)
			if err != nil {
				return Format{}, fmt.Errorf("%w: CycloneDX %q", ErrUnrecognized, head.SpecVersion)
			}
			return Format{Name: "cyclonedx-json", CycloneDX: v}, nil
		case strings.HasPrefix(head.SPDXVersion, "SPDX-2."):
			return Format{Name: "spdx-json"}, nil
		case bytes.Contains(head.Context, []byte("spdx.org/rdf/3.")):
			return Format{Name: "spdx3-json"}, nil
		}
		return Format{}, fmt.Errorf("%w: JSON with neither bomFormat, spdxVersion nor an SPDX 3 @context", ErrUnrecognized)
	case bytes.HasPrefix(t, []byte("SPDXVersion:")) || spdxTagValue.Match(t[:min(len(t), 4096)]):
		return Format{Name: "spdx-tag-value"}, nil
	}
	return Format{}, ErrUnrecognized
}

var (
	xmlNamespace = regexp.MustCompile(`xmlns="http://cyclonedx\.org/schema/bom/([0-9.]+)"`)
	spdxTagValue = regexp.MustCompile(`(?m)^SPDXVersion:\s*SPDX-2\.`)
)

// Decode reads an SBOM in any format [Detect] recognises into a document, normalized and validated, and says which
// format it was. A document of another tool gets origin [sbom.OriginSBOM] and a note saying so; edges to components
// the document does not have are left out, with a note.
func Decode(data []byte) (*sbom.Document, Format, error) {
	f, err := Detect(data)
	if err != nil {
		return nil, f, err
	}
	var doc *sbom.Document
	switch f.Name {
	case "cyclonedx-json", "cyclonedx-xml":
		doc, err = cyclonedx.Decode(data)
	case "spdx-json", "spdx-tag-value":
		doc, err = spdx.Decode(data)
	case "spdx3-json":
		doc, err = spdx3.Decode(data)
	}
	if err != nil {
		return nil, f, err
	}
	if doc.Origin == "" {
		doc.Origin = sbom.OriginSBOM
		doc.Notes = append(doc.Notes, fmt.Sprintf("Converted from a %s document of another tool: what it holds that this "+
			"document has no place for (services, vulnerabilities, files, annotations) is not carried over.", f.Name))
	}
	if n := doc.DropDanglingEdges(); n > 0 {
		doc.Notes = append(doc.Notes, fmt.Sprintf("%d dependency relationships of the %s document this one was read from "+
			"named components it does not describe, and were left out.", n, f.Name))
	}
	doc.Normalize()
	if err := doc.Validate(); err != nil {
		return nil, f, fmt.Errorf("%s: %w", f.Name, err)
	}
	return doc, f, nil
}

// MustParse is [Parse] for names known to be valid; it panics on an error.
func MustParse(s string) Format {
	f, err := Parse(s)
	if err != nil {
		panic(err)
	}
	return f
}

// Losses says what writing doc in format f leaves out, one sentence each: what the format has no place for.
func Losses(doc *sbom.Document, f Format) []string {
	var out []string
	if f.Name != "cyclonedx-json" && f.Name != "cyclonedx-xml" {
		return nil
	}
	// A LicenseRef that is a component's whole license is a named license with its text; one within a larger
	// expression is only named.
	alone := map[string]bool{}
	for _, c := range append([]sbom.Component{doc.Subject}, doc.Components...) {
		alone[c.License] = true
	}
	texts := 0
	for _, r := range doc.LicenseRefs {
		if r.Text != "" && r.Text != sbom.UndefinedLicenseText && !alone[r.ID] {
			texts++
		}
	}
	if texts > 0 {
		out = append(out, fmt.Sprintf("the names and texts of %d custom licenses named only within license expressions (CycloneDX has no place for them)", texts))
	}
	if len(doc.LicenseRefs) > 0 && f.CycloneDX < cyclonedx.Spec1_5 {
		out = append(out, "the identifiers of custom licenses (before 1.5 a license has no bom-ref: readers make one from its name)")
	}
	if f.CycloneDX < cyclonedx.Spec1_6 {
		n := 0
		for _, c := range append([]sbom.Component{doc.Subject}, doc.Components...) {
			if len(c.Authors) > 1 {
				n++
			}
		}
		if n > 0 {
			out = append(out, fmt.Sprintf("the separate authors of %d components (before 1.6 a component has one author string)", n))
		}
	}
	return out
}
