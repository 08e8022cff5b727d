// Package cyclonedx encodes an [sbom.Document] as a CycloneDX bill of materials (JSON or XML; specification 1.6 by
// default, 1.5 and 1.4 on request) through github.com/CycloneDX/cyclonedx-go.
//
// The output is deterministic: the serial number is derived from the document's content and the tool's version,
// the timestamp is the document's creation time, every list is sorted.
package cyclonedx

import (
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/ferroseal/ferroseal/sbom"
)

// Format is the serialization of a CycloneDX document.
type Format int

// Serializations.
const (
	JSON Format = iota
	XML
)

// SpecVersion is a CycloneDX specification version.
type SpecVersion = cdx.SpecVersion

// Supported specification versions.
const (
	Spec1_4 = cdx.SpecVersion1_4
	Spec1_5 = cdx.SpecVersion1_5
	Spec1_6 = cdx.SpecVersion1_6
)

// ErrUnsupportedVersion is returned for a specification version this encoder does not write.
var ErrUnsupportedVersion = errors.New("unsupported CycloneDX version")

// Options configure the encoder. The zero value writes JSON, specification 1.6, naming the tool "ferroseal" with no
// version.
type Options struct {
	Format Format
	// SpecVersion is 1.4, 1.5 or 1.6; zero means 1.6.
	SpecVersion SpecVersion
	// ToolName and ToolVersion name the tool in metadata.tools; ToolName "" means "ferroseal".
	ToolName    string
	ToolVersion string
	// Reproducible records cdx:reproducible=true: the caller promises that Created is an input, not the clock.
	Reproducible bool
}

// ParseSpecVersion parses "1.4", "1.5" or "1.6".
func ParseSpecVersion(s string) (SpecVersion, error) {
	switch s {
	case "1.4":
		return Spec1_4, nil
	case "1.5":
		return Spec1_5, nil
	case "1.6", "":
		return Spec1_6, nil
	}
	return 0, fmt.Errorf("%w %q (want 1.4, 1.5 or 1.6)", ErrUnsupportedVersion, s)
}

// Encode writes doc to w as CycloneDX.
func Encode(w io.Writer, doc *sbom.Document, opts Options) error {
	bom, version, err := BOM(doc, opts)
	if err != nil {
		return err
	}
	format := cdx.BOMFileFormatJSON
	if opts.Format == XML {
		format = cdx.BOMFileFormatXML
	}
	enc := cdx.NewBOMEncoder(w, format).SetPretty(true).SetEscapeHTML(false)
	if err := enc.EncodeVersion(bom, version); err != nil {
		return fmt.Errorf("encoding CycloneDX %s: %w", version, err)
	}
	return nil
}

// BOM converts doc into a cyclonedx-go BOM, and returns the specification version to encode it in.
func BOM(doc *sbom.Document, opts Options) (*cdx.BOM, SpecVersion, error) {
	version := opts.SpecVersion
	if version == 0 {
		version = Spec1_6
	}
	if version < Spec1_4 || version > Spec1_6 {
		return nil, 0, fmt.Errorf("%w %s (want 1.4, 1.5 or 1.6)", ErrUnsupportedVersion, version)
	}
	if err := doc.Validate(); err != nil {
		return nil, 0, err
	}
	toolName := opts.ToolName
	if toolName == "" {
		toolName = "ferroseal"
	}
	e := encoder{doc: doc, version: version}

	bom := cdx.NewBOM()
	bom.SerialNumber = "urn:uuid:" + doc.UUID("cyclonedx", toolName, opts.ToolVersion, fmt.Sprint(opts.Reproducible))
	subject := e.component(&doc.Subject)
	md := &cdx.Metadata{
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{
			Type:    cdx.ComponentTypeApplication,
			Name:    toolName,
			Version: opts.ToolVersion,
			ExternalReferences: &[]cdx.ExternalReference{
				{Type: cdx.ERTypeVCS, URL: "https://github.com/ferroseal/ferroseal"},
			},
		}}},
		Component: &subject,
	}
	if !doc.Created.IsZero() {
		md.Timestamp = doc.Created.UTC().Format(time.RFC3339)
	}
	var props []cdx.Property
	if doc.Target != "" {
		props = append(props, cdx.Property{Name: sbom.PropTargetTriple, Value: doc.Target})
	}
	if doc.AllTargets {
		props = append(props, cdx.Property{Name: sbom.PropAllTargets, Value: "true"})
	}
	if opts.Reproducible {
		props = append(props, cdx.Property{Name: sbom.PropReproducible, Value: "true"})
	}
	props = append(props, cdx.Property{Name: sbom.PropOrigin, Value: string(doc.Origin)})
	for _, p := range doc.Properties {
		props = append(props, cdx.Property{Name: p.Name, Value: p.Value})
	}
	for _, n := range doc.Notes {
		props = append(props, cdx.Property{Name: sbom.PropNote, Value: n})
	}
	md.Properties = &props
	bom.Metadata = md

	comps := make([]cdx.Component, 0, len(doc.Components))
	deps := make([]cdx.Dependency, 0, len(doc.Components)+1)
	deps = append(deps, dependency(&doc.Subject))
	for i := range doc.Components {
		comps = append(comps, e.component(&doc.Components[i]))
		deps = append(deps, dependency(&doc.Components[i]))
	}
	bom.Components = &comps
	bom.Dependencies = &deps
	if doc.Incomplete {
		bom.Compositions = &[]cdx.Composition{{
			Aggregate:  cdx.CompositionAggregateIncomplete,
			Assemblies: &[]cdx.BOMReference{cdx.BOMReference(doc.Subject.Ref)},
		}}
	}
	return bom, version, nil
}

type encoder struct {
	doc     *sbom.Document
	version SpecVersion
}

func dependency(c *sbom.Component) cdx.Dependency {
	d := cdx.Dependency{Ref: c.Ref}
	if len(c.DependsOn) > 0 {
		on := append([]string(nil), c.DependsOn...)
		d.Dependencies = &on
	}
	return d
}

func (e *encoder) component(c *sbom.Component) cdx.Component {
	out := cdx.Component{
		BOMRef:      c.Ref,
		Type:        cdx.ComponentType(c.Type),
		Name:        c.Name,
		Version:     c.Version,
		Description: c.Description,
		PackageURL:  c.PURL(),
	}
	switch c.Scope {
	case sbom.ScopeRuntime:
		out.Scope = cdx.ScopeRequired
	case sbom.ScopeBuild, sbom.ScopeDev:
		out.Scope = cdx.ScopeExcluded
	}
	if len(c.Hashes) > 0 {
		hs := make([]cdx.Hash, 0, len(c.Hashes))
		for _, h := range c.Hashes {
			hs = append(hs, cdx.Hash{Algorithm: cdx.HashAlgorithm(h.Algorithm), Value: h.Value})
		}
		out.Hashes = &hs
	}
	if l := e.licenses(c.License); l != nil {
		out.Licenses = l
	}
	if len(c.Authors) > 0 {
		if e.version >= Spec1_6 {
			as := make([]cdx.OrganizationalContact, 0, len(c.Authors))
			for _, a := range c.Authors {
				as = append(as, contact(a))
			}
			out.Authors = &as
		} else {
			out.Author = strings.Join(c.Authors, ", ")
		}
	}
	var refs []cdx.ExternalReference
	if c.Repository != "" {
		refs = append(refs, cdx.ExternalReference{Type: cdx.ERTypeVCS, URL: c.Repository})
	}
	if c.Homepage != "" {
		refs = append(refs, cdx.ExternalReference{Type: cdx.ERTypeWebsite, URL: c.Homepage})
	}
	if c.Documentation != "" {
		refs = append(refs, cdx.ExternalReference{Type: cdx.ERTypeDocumentation, URL: c.Documentation})
	}
	if dl := sbom.DownloadURL(c); dl != "" {
		refs = append(refs, cdx.ExternalReference{Type: cdx.ERTypeDistribution, URL: dl})
	}
	if len(refs) > 0 {
		out.ExternalReferences = &refs
	}
	if props := sbom.ComponentProperties(c); len(props) > 0 {
		ps := make([]cdx.Property, 0, len(props))
		for _, p := range props {
			ps = append(ps, cdx.Property{Name: p.Name, Value: p.Value})
		}
		out.Properties = &ps
	}
	return out
}

// licenses maps an SPDX expression: a lone current identifier becomes a license id, a lone LicenseRef becomes a
// named license, anything else an expression.
func (e *encoder) licenses(expr string) *cdx.Licenses {
	switch {
	case expr == "":
		return nil
	case sbom.IsLicenseID(expr):
		return &cdx.Licenses{{License: &cdx.License{ID: expr}}}
	case strings.HasPrefix(expr, "LicenseRef-") && !strings.Contains(expr, " "):
		name := expr
		for _, r := range e.doc.LicenseRefs {
			if r.ID == expr {
				name = r.Name
			}
		}
		return &cdx.Licenses{{License: &cdx.License{Name: name}}}
	default:
		return &cdx.Licenses{{Expression: expr}}
	}
}

// contact splits a cargo author ("Name <email>") into name and address; an unparsable one stays a name.
func contact(s string) cdx.OrganizationalContact {
	if a, err := mail.ParseAddress(s); err == nil && a.Name != "" {
		return cdx.OrganizationalContact{Name: a.Name, Email: a.Address}
	}
	return cdx.OrganizationalContact{Name: s}
}
