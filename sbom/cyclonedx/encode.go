// Package cyclonedx encodes an [sbom.Document] as a CycloneDX bill of materials (JSON or XML; specification 1.6 by
// default, 1.5 and 1.4 on request) through github.com/CycloneDX/cyclonedx-go.
//
// The output is deterministic: the serial number is derived from the document's content and the tool's version,
// the timestamp is the document's creation time, every list is sorted.
package cyclonedx

import (
	"bufio"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"net/mail"
	"strings"
	"sync"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/ferroseal/ferroseal/internal/jsonsplice"
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
	Spec1_7 = cdx.SpecVersion1_7
)

// ErrUnsupportedVersion is returned for a specification version this encoder does not write.
var ErrUnsupportedVersion = errors.New("unsupported CycloneDX version")

// Options configure the encoder. The zero value writes JSON, specification 1.6, naming the tool "ferroseal" with no
// version.
type Options struct {
	Format Format
	// SpecVersion is 1.4, 1.5, 1.6 or 1.7; zero means 1.6.
	SpecVersion SpecVersion
	// ToolName and ToolVersion name the tool in metadata.tools; ToolName "" means "ferroseal".
	ToolName    string
	ToolVersion string
	// Reproducible records cdx:reproducible=true: the caller promises that Created is an input, not the clock.
	Reproducible bool
}

// ParseSpecVersion parses "1.4", "1.5", "1.6" or "1.7"; "" is the default, 1.6.
func ParseSpecVersion(s string) (SpecVersion, error) {
	switch s {
	case "1.4":
		return Spec1_4, nil
	case "1.5":
		return Spec1_5, nil
	case "1.6", "":
		return Spec1_6, nil
	case "1.7":
		return Spec1_7, nil
	}
	return 0, fmt.Errorf("%w %q (want 1.4, 1.5, 1.6 or 1.7)", ErrUnsupportedVersion, s)
}

// Encode writes doc to w as CycloneDX. JSON is streamed: the components and the dependency graph are encoded by
// cyclonedx-go a chunk at a time and written as they are made, so that memory does not grow with the document
// (package internal/jsonsplice); the bytes are those cyclonedx-go writes for the whole document.
func Encode(w io.Writer, doc *sbom.Document, opts Options) error {
	e, err := newEncoder(doc, opts)
	if err != nil {
		return err
	}
	if opts.Format == XML {
		if err := e.encodeBOM(w, cdx.BOMFileFormatXML, e.bom()); err != nil {
			return fmt.Errorf("encoding CycloneDX %s: %w", e.version, err)
		}
		return nil
	}
	if len(doc.Components) < streamFrom {
		if err := e.encodeBOM(w, cdx.BOMFileFormatJSON, e.bom()); err != nil {
			return fmt.Errorf("encoding CycloneDX %s: %w", e.version, err)
		}
		return nil
	}
	if err := e.streamJSON(w); err != nil {
		return fmt.Errorf("encoding CycloneDX %s: %w", e.version, err)
	}
	return nil
}

// chunk is how many components or dependencies are encoded at a time; streamFrom is how many components a
// document must have to be streamed: below it, encoding the whole document at once costs less and a few MiB of
// memory.
var (
	chunk      = 1024
	streamFrom = 2048
)

// native are the versions whose documents are written as they are built: the builder sets no field a version
// lacks, so cyclonedx-go's conversion (EncodeVersion: a deep copy of the BOM through encoding/gob, then the
// removal of newer fields) would change nothing, and in a one-binary run it costs more than reading the binary.
// Older versions go through the conversion. The strings are the specification's; TestNativeVersionsUnconverted
// checks that both ways give the same bytes.
var native = map[SpecVersion]struct{ schema, xmlns string }{
	Spec1_6: {"http://cyclonedx.org/schema/bom-1.6.schema.json", "http://cyclonedx.org/schema/bom/1.6"},
	Spec1_7: {"http://cyclonedx.org/schema/bom-1.7.schema.json", "http://cyclonedx.org/schema/bom/1.7"},
}

// encodeBOM writes bom in the encoder's version.
func (e *encoder) encodeBOM(w io.Writer, f cdx.BOMFileFormat, bom *cdx.BOM) error {
	if n, ok := native[e.version]; ok {
		bom.SpecVersion, bom.JSONSchema, bom.XMLNS = cdx.SpecVersion(e.version), n.schema, n.xmlns
		return e.newBOMEncoder(w, f).Encode(bom)
	}
	return e.newBOMEncoder(w, f).EncodeVersion(bom, cdx.SpecVersion(e.version))
}

func (e *encoder) newBOMEncoder(w io.Writer, f cdx.BOMFileFormat) cdx.BOMEncoder {
	return cdx.NewBOMEncoder(w, f).SetPretty(true).SetEscapeHTML(false)
}

// streamJSON writes the document as JSON: a skeleton with one placeholder component and dependency, whose arrays
// are filled chunk by chunk.
func (e *encoder) streamJSON(w io.Writer) error {
	doc := e.doc
	skeleton := e.skeleton()
	names := []string{"dependencies"}
	if len(doc.Components) > 0 {
		skeleton.Components = &[]cdx.Component{e.component(&doc.Components[0])}
		names = append(names, "components")
	}
	skeleton.Dependencies = &[]cdx.Dependency{dependency(&doc.Subject)}
	var skel bytes.Buffer
	if err := e.encodeBOM(&skel, cdx.BOMFileFormatJSON, skeleton); err != nil {
		return err
	}
	var buf bytes.Buffer
	encodeMini := func(fill func(bom *cdx.BOM)) ([]byte, error) {
		buf.Reset()
		mini := cdx.NewBOM()
		fill(mini)
		if err := e.encodeBOM(&buf, cdx.BOMFileFormatJSON, mini); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	err := jsonsplice.Splice(bw, skel.Bytes(), names, func(name string, w io.Writer) error {
		if name == "components" {
			return jsonsplice.Chunks(w, name, len(doc.Components), chunk, func(from, to int) ([]byte, error) {
				return encodeMini(func(bom *cdx.BOM) {
					cs := make([]cdx.Component, 0, to-from)
					for i := from; i < to; i++ {
						cs = append(cs, e.component(&doc.Components[i]))
					}
					bom.Components = &cs
				})
			})
		}
		// The subject's dependencies first, then each component's.
		return jsonsplice.Chunks(w, name, len(doc.Components)+1, chunk, func(from, to int) ([]byte, error) {
			return encodeMini(func(bom *cdx.BOM) {
				ds := make([]cdx.Dependency, 0, to-from)
				for i := from; i < to; i++ {
					if i == 0 {
						ds = append(ds, dependency(&doc.Subject))
					} else {
						ds = append(ds, dependency(&doc.Components[i-1]))
					}
				}
				bom.Dependencies = &ds
			})
		})
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

// BOM converts doc into a cyclonedx-go BOM, and returns the specification version to encode it in.
func BOM(doc *sbom.Document, opts Options) (*cdx.BOM, SpecVersion, error) {
	e, err := newEncoder(doc, opts)
	if err != nil {
		return nil, 0, err
	}
	return e.bom(), e.version, nil
}

func newEncoder(doc *sbom.Document, opts Options) (*encoder, error) {
	version := opts.SpecVersion
	if version == 0 {
		version = Spec1_6
	}
	if version < Spec1_4 || version > Spec1_7 {
		return nil, fmt.Errorf("%w %s (want 1.4, 1.5, 1.6 or 1.7)", ErrUnsupportedVersion, version)
	}
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	if opts.ToolName == "" {
		opts.ToolName = "ferroseal"
	}
	return &encoder{doc: doc, version: version, opts: opts}, nil
}

// bom is the whole document as one BOM.
func (e *encoder) bom() *cdx.BOM {
	bom := e.skeleton()
	doc := e.doc
	comps := make([]cdx.Component, 0, len(doc.Components))
	deps := make([]cdx.Dependency, 0, len(doc.Components)+1)
	deps = append(deps, dependency(&doc.Subject))
	for i := range doc.Components {
		comps = append(comps, e.component(&doc.Components[i]))
		deps = append(deps, dependency(&doc.Components[i]))
	}
	if len(comps) > 0 { // an empty list is left out, as the conversion of older versions leaves it out
		bom.Components = &comps
	}
	bom.Dependencies = &deps
	return bom
}

// skeleton is the BOM without components and dependencies: serial number, metadata, compositions.
func (e *encoder) skeleton() *cdx.BOM {
	doc, opts := e.doc, e.opts
	toolName := opts.ToolName
	bom := cdx.NewBOM()
	// The serial number names this rendering: the same content in another specification version or encoding is
	// another file, which tools keyed on serial numbers must not merge with this one.
	bom.SerialNumber = "urn:uuid:" + doc.UUID("cyclonedx", e.version.String(), e.encoding(), toolName, opts.ToolVersion, fmt.Sprint(opts.Reproducible))
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
	if doc.Profile != "" {
		props = append(props, cdx.Property{Name: sbom.PropProfile, Value: doc.Profile})
	}
	for _, p := range doc.Properties {
		props = append(props, cdx.Property{Name: p.Name, Value: p.Value})
	}
	for _, n := range doc.Notes {
		props = append(props, cdx.Property{Name: sbom.PropNote, Value: n})
	}
	md.Properties = &props
	if len(doc.Creators) > 0 {
		authors := make([]cdx.OrganizationalContact, 0, len(doc.Creators))
		for _, c := range doc.Creators {
			authors = append(authors, cdx.OrganizationalContact{Name: c.Name, Email: c.Email})
		}
		md.Authors = &authors
		if e.version >= Spec1_6 {
			md.Manufacturer = entity(&doc.Creators[0])
		}
	}
	bom.Metadata = md
	var comps []cdx.Composition
	if doc.Incomplete {
		comps = append(comps, cdx.Composition{
			Aggregate:  cdx.CompositionAggregateIncomplete,
			Assemblies: &[]cdx.BOMReference{cdx.BOMReference(doc.Subject.Ref)},
		})
	}
	if doc.Profile != "" {
		comps = append(comps, dependencyCompositions(doc)...)
	}
	if len(comps) > 0 {
		bom.Compositions = &comps
	}
	return bom
}

// dependencyCompositions say, for a profile that asks, whose dependency lists are complete, incomplete or not
// known to be either.
func dependencyCompositions(doc *sbom.Document) []cdx.Composition {
	refs := map[sbom.Completeness][]cdx.BOMReference{}
	for _, c := range append([]sbom.Component{doc.Subject}, doc.Components...) {
		refs[c.Dependencies] = append(refs[c.Dependencies], cdx.BOMReference(c.Ref))
	}
	var out []cdx.Composition
	for _, k := range []struct {
		c   sbom.Completeness
		agg cdx.CompositionAggregate
	}{{sbom.DependenciesComplete, cdx.CompositionAggregateComplete}, {sbom.DependenciesIncomplete, cdx.CompositionAggregateIncomplete},
		{sbom.CompletenessUnknown, cdx.CompositionAggregateUnknown}} {
		if r := refs[k.c]; len(r) > 0 {
			out = append(out, cdx.Composition{Aggregate: k.agg, Dependencies: &r})
		}
	}
	return out
}

// entity is a contact as an organizational entity: its name, its URL, its e-mail address as a contact.
func entity(c *sbom.Contact) *cdx.OrganizationalEntity {
	e := &cdx.OrganizationalEntity{Name: c.Name}
	if c.URL != "" {
		e.URL = &[]string{c.URL}
	}
	if c.Email != "" {
		e.Contact = &[]cdx.OrganizationalContact{{Name: c.Name, Email: c.Email}}
	}
	return e
}

type encoder struct {
	doc     *sbom.Document
	version SpecVersion
	opts    Options

	ownerOnce sync.Once
	owners    map[string]string
}

func (e *encoder) encoding() string {
	if e.opts.Format == XML {
		return "xml"
	}
	return "json"
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
	if l := e.licenses(c); l != nil {
		out.Licenses = l
	}
	if c.Creator != nil && e.version >= Spec1_6 {
		out.Manufacturer = entity(c.Creator)
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
		ref := cdx.ExternalReference{Type: cdx.ERTypeDistribution, URL: dl}
		if e.doc.Profile != "" && len(c.Hashes) > 0 {
			// The hashes of the deployable form, where a profile looks for them.
			hs := make([]cdx.Hash, 0, len(c.Hashes))
			for _, h := range c.Hashes {
				hs = append(hs, cdx.Hash{Algorithm: cdx.HashAlgorithm(h.Algorithm), Value: h.Value})
			}
			ref.Hashes = &hs
		}
		refs = append(refs, ref)
	}
	if c.SourceURL != "" {
		refs = append(refs, cdx.ExternalReference{Type: cdx.ERTypeSourceDistribution, URL: c.SourceURL})
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

// licenses maps a component's license: a lone current identifier becomes a license id, a lone LicenseRef a named
// license with its text (and, from 1.5, the LicenseRef as its bom-ref, on its first use), anything else an
// expression. With a concluded license besides the declared one, each says which it is (acknowledgement): from
// 1.7 as two entries; in 1.6, which holds one expression only, as two when both are single licenses, else the
// declared one alone.
func (e *encoder) licenses(c *sbom.Component) *cdx.Licenses {
	declared, concluded := c.License, c.ConcludedLicense
	if declared == "" && concluded == "" {
		return nil
	}
	one := func(expr string, ack cdx.LicenseAcknowledgement, ref bool) cdx.LicenseChoice {
		switch {
		case sbom.IsLicenseID(expr):
			return cdx.LicenseChoice{License: &cdx.License{ID: expr, Acknowledgement: ack}}
		case strings.HasPrefix(expr, "LicenseRef-") && !strings.Contains(expr, " "):
			l := &cdx.License{Name: expr, Acknowledgement: ack}
			for _, r := range e.doc.LicenseRefs {
				if r.ID == expr {
					l.Name = cmp.Or(strings.TrimSpace(r.Name), expr) // CycloneDX requires a name
					if r.Text != "" {
						l.Text = &cdx.AttachedText{Content: r.Text, ContentType: "text/plain"}
					}
				}
			}
			if ref && e.version >= Spec1_5 && e.refOwner()[expr] == c.Ref {
				l.BOMRef = expr // the LicenseRef's identifier, for readers that convert the BOM to SPDX
			}
			return cdx.LicenseChoice{License: l}
		}
		choice := cdx.LicenseChoice{Expression: expr}
		if ack != "" {
			choice.Acknowledgement = &ack
		}
		return choice
	}
	if concluded == "" || e.version < Spec1_6 {
		if declared == "" {
			return nil
		}
		return &cdx.Licenses{one(declared, "", true)}
	}
	if declared == "" {
		return &cdx.Licenses{one(concluded, cdx.LicenseAcknowledgementConcluded, true)}
	}
	d := one(declared, cdx.LicenseAcknowledgementDeclared, true)
	k := one(concluded, cdx.LicenseAcknowledgementConcluded, false)
	if e.version < Spec1_7 && (d.Expression != "" || k.Expression != "") {
		return &cdx.Licenses{d} // 1.6 holds one expression: the declared license
	}
	return &cdx.Licenses{d, k}
}

// refOwner maps each LicenseRef that is some component's whole license to the first such component: the one
// whose license carries it as bom-ref, which must be unique in a BOM.
func (e *encoder) refOwner() map[string]string {
	e.ownerOnce.Do(func() {
		e.owners = map[string]string{}
		for _, c := range append([]sbom.Component{e.doc.Subject}, e.doc.Components...) {
			if _, ok := e.owners[c.License]; !ok && strings.HasPrefix(c.License, "LicenseRef-") {
				e.owners[c.License] = c.Ref
			}
		}
	})
	return e.owners
}

// contact splits a cargo author ("Name <email>") into name and address; an unparsable one stays a name.
func contact(s string) cdx.OrganizationalContact {
	if a, err := mail.ParseAddress(s); err == nil && a.Name != "" {
		return cdx.OrganizationalContact{Name: a.Name, Email: a.Address}
	}
	return cdx.OrganizationalContact{Name: s}
}
