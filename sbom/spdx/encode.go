// Package spdx encodes an [sbom.Document] as an SPDX 2.3 document (JSON or tag-value) through
// github.com/spdx/tools-golang.
//
// The output is deterministic: the document namespace is derived from the content and the tool's version, the
// creation time is the document's, every list is sorted. Properties that SPDX 2.3 has no field for (source kind,
// dependency kind, target triple) are written as "name: value" lines in the package and document comments.
package spdx

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/ferroseal/ferroseal/internal/jsonsplice"
	"github.com/ferroseal/ferroseal/sbom"
)

// Format is the serialization of an SPDX document.
type Format int

// Serializations.
const (
	JSON Format = iota
	TagValue
)

// NamespacePrefix begins every document namespace ferroseal writes.
const NamespacePrefix = "https://ferroseal.dev/spdxdocs/"

// noAssertion is SPDX's "no information".
const noAssertion = "NOASSERTION"

// Options configure the encoder. The zero value writes JSON naming the tool "ferroseal" with no version.
type Options struct {
	Format      Format
	ToolName    string
	ToolVersion string
}

// Encode writes doc to w as SPDX 2.3. JSON is streamed: packages and relationships are encoded by tools-golang a
// chunk at a time and written as they are made (package internal/jsonsplice), the bytes those of the whole
// document.
func Encode(w io.Writer, doc *sbom.Document, opts Options) error {
	b, err := newBuilder(doc, opts)
	if err != nil {
		return err
	}
	if opts.Format == TagValue {
		d := b.document()
		sanitizeTagValue(d)
		if err := tagvalue.Write(d, w); err != nil {
			return fmt.Errorf("encoding SPDX tag-value: %w", err)
		}
		return nil
	}
	if len(doc.Components) < streamFrom {
		if err := writeJSON(b.document(), w); err != nil {
			return fmt.Errorf("encoding SPDX JSON: %w", err)
		}
		return nil
	}
	if err := b.streamJSON(w); err != nil {
		return fmt.Errorf("encoding SPDX JSON: %w", err)
	}
	return nil
}

// chunk is how many packages, or the relationships of how many packages, are encoded at a time; streamFrom is
// how many components a document must have to be streamed (below it, a few MiB: encoding it whole is faster).
var (
	chunk      = 512
	streamFrom = 2048
)

func writeJSON(d *spdx.Document, w io.Writer) error {
	return spdxjson.Write(d, w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false))
}

// streamJSON writes the document with its packages and relationships filled chunk by chunk into a skeleton that
// holds the first of each.
func (b *builder) streamJSON(w io.Writer) error {
	doc := b.doc
	skeleton := b.skeleton()
	skeleton.Packages = []*spdx.Package{pkg(&doc.Subject, b.ids, true)}
	skeleton.Relationships = []*spdx.Relationship{b.describes()}
	var skel bytes.Buffer
	if err := writeJSON(skeleton, &skel); err != nil {
		return err
	}
	var buf bytes.Buffer
	encodeMini := func(fill func(d *spdx.Document)) ([]byte, error) {
		buf.Reset()
		mini := &spdx.Document{SPDXVersion: spdx.Version, DataLicense: spdx.DataLicense, SPDXIdentifier: "DOCUMENT"}
		fill(mini)
		if err := writeJSON(mini, &buf); err != nil {
			return nil, err
		}
		return buf.Bytes(), nil
	}
	bw := bufio.NewWriterSize(w, 64<<10)
	err := jsonsplice.Splice(bw, skel.Bytes(), []string{"packages", "relationships"}, func(name string, w io.Writer) error {
		if name == "packages" {
			// The subject first, then the components.
			return jsonsplice.Chunks(w, name, len(doc.Components)+1, chunk, func(from, to int) ([]byte, error) {
				return encodeMini(func(d *spdx.Document) {
					for i := from; i < to; i++ {
						if i == 0 {
							d.Packages = append(d.Packages, pkg(&doc.Subject, b.ids, true))
						} else {
							d.Packages = append(d.Packages, pkg(&doc.Components[i-1], b.ids, false))
						}
					}
				})
			})
		}
		// DESCRIBES, the subject's edges, then each component's; a chunk of components may have none.
		first := true
		write := func(rels []*spdx.Relationship) error {
			if len(rels) == 0 {
				return nil
			}
			out, err := encodeMini(func(d *spdx.Document) { d.Relationships = rels })
			if err != nil {
				return err
			}
			body, err := jsonsplice.Body(out, name)
			if err != nil {
				return err
			}
			if !first {
				if _, err := io.WriteString(w, ",\n"); err != nil {
					return err
				}
			}
			first = false
			_, err = w.Write(body)
			return err
		}
		if err := write(append([]*spdx.Relationship{b.describes()}, b.edges(&doc.Subject, true)...)); err != nil {
			return err
		}
		for from := 0; from < len(doc.Components); from += chunk {
			var rels []*spdx.Relationship
			for i := from; i < min(from+chunk, len(doc.Components)); i++ {
				rels = append(rels, b.edges(&doc.Components[i], false)...)
			}
			if err := write(rels); err != nil {
				return err
			}
		}
		contains := b.contains()
		for from := 0; from < len(contains); from += chunk {
			if err := write(contains[from:min(from+chunk, len(contains))]); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return bw.Flush()
}

var (
	idUnsafe  = regexp.MustCompile(`[^A-Za-z0-9.-]+`)
	vcsScheme = regexp.MustCompile(`^(https?|ssh|git)://`)
)

// Document converts doc into a tools-golang SPDX 2.3 document.
func Document(doc *sbom.Document, opts Options) (*spdx.Document, error) {
	b, err := newBuilder(doc, opts)
	if err != nil {
		return nil, err
	}
	return b.document(), nil
}

// builder turns one document into SPDX: its identifiers, its packages and its relationships.
type builder struct {
	doc  *sbom.Document
	tool string
	ids  map[string]common.ElementID
}

func newBuilder(doc *sbom.Document, opts Options) (*builder, error) {
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	tool := opts.ToolName
	if tool == "" {
		tool = "ferroseal"
	}
	if opts.ToolVersion != "" {
		tool += "-" + opts.ToolVersion
	}
	b := &builder{doc: doc, tool: tool, ids: make(map[string]common.ElementID, len(doc.Components)+1)}
	taken := make(map[common.ElementID]bool, len(doc.Components)+1)
	assign := func(c *sbom.Component) {
		id := common.ElementID("Package-" + strings.Trim(idUnsafe.ReplaceAllString(c.Name+"-"+c.Version, "-"), "-"))
		if taken[id] {
			sum := sha256.Sum256([]byte(c.Ref))
			id = common.ElementID(fmt.Sprintf("%s-%x", id, sum[:4]))
		}
		taken[id] = true
		b.ids[c.Ref] = id
	}
	assign(&doc.Subject)
	for i := range doc.Components {
		assign(&doc.Components[i])
	}
	return b, nil
}

// skeleton is the document without packages and relationships.
func (b *builder) skeleton() *spdx.Document {
	doc := b.doc
	name := doc.Subject.Name
	if doc.Subject.Version != "" {
		name += "-" + doc.Subject.Version
	}
	out := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: NamespacePrefix + idUnsafe.ReplaceAllString(name, "-") + "-" + doc.UUID("spdx", b.tool),
		CreationInfo: &spdx.CreationInfo{
			Creators: append(creators(doc.Creators), common.Creator{CreatorType: "Tool", Creator: b.tool}),
			Created:  doc.Created.UTC().Format(time.RFC3339),
		},
		DocumentComment: documentComment(doc),
	}
	for _, r := range doc.LicenseRefs {
		out.OtherLicenses = append(out.OtherLicenses, &spdx.OtherLicense{
			LicenseIdentifier: r.ID,
			LicenseName:       r.Name,
			ExtractedText:     r.Text,
		})
	}
	return out
}

// document is the whole document.
func (b *builder) document() *spdx.Document {
	doc := b.doc
	out := b.skeleton()
	out.Packages = append(out.Packages, pkg(&doc.Subject, b.ids, true))
	for i := range doc.Components {
		out.Packages = append(out.Packages, pkg(&doc.Components[i], b.ids, false))
	}
	out.Relationships = append(out.Relationships, b.describes())
	out.Relationships = append(out.Relationships, b.edges(&doc.Subject, true)...)
	for i := range doc.Components {
		out.Relationships = append(out.Relationships, b.edges(&doc.Components[i], false)...)
	}
	out.Relationships = append(out.Relationships, b.contains()...)
	return out
}

// contains says what a file holds: a binary, an archive or an image CONTAINS every crate (and binary) that is
// linked into it, which is literally so, and is a path from the described package that every consumer follows.
func (b *builder) contains() []*spdx.Relationship {
	if !strings.HasPrefix(b.doc.Subject.Ref, "artifact:") {
		return nil
	}
	var out []*spdx.Relationship
	for i := range b.doc.Components {
		if c := &b.doc.Components[i]; c.Scope == sbom.ScopeRuntime || c.Type == sbom.TypeApplication {
			out = append(out, b.rel(b.ids[b.doc.Subject.Ref], b.ids[c.Ref], common.TypeRelationshipContains))
		}
	}
	return out
}

func (b *builder) rel(a, c common.ElementID, kind string) *spdx.Relationship {
	return &spdx.Relationship{
		RefA:         common.MakeDocElementID("", string(a)),
		RefB:         common.MakeDocElementID("", string(c)),
		Relationship: kind,
	}
}

// describes is the document's DESCRIBES relationship to its subject.
func (b *builder) describes() *spdx.Relationship {
	return b.rel("DOCUMENT", b.ids[b.doc.Subject.Ref], common.TypeRelationshipDescribe)
}

// edges are the relationships of a component (or the subject) to what it depends on, scoped.
func (b *builder) edges(c *sbom.Component, isSubject bool) []*spdx.Relationship {
	var out []*spdx.Relationship
	for _, ref := range c.DependsOn {
		dep := b.doc.Component(ref)
		// A scoped edge (BUILD_DEPENDENCY_OF, DEV_DEPENDENCY_OF) says what kind of dependency it is; its DEPENDS_ON
		// twin keeps the crate on a path consumers follow (GUAC, syft and protobom drop the scoped relationships,
		// and converters then the crates only they reach).
		switch {
		case dep.Scope == sbom.ScopeBuild && (isSubject || c.Scope == sbom.ScopeRuntime):
			out = append(out, b.rel(b.ids[ref], b.ids[c.Ref], common.TypeRelationshipBuildDependencyOf))
		case dep.Scope == sbom.ScopeDev && c.Scope != sbom.ScopeDev:
			out = append(out, b.rel(b.ids[ref], b.ids[c.Ref], common.TypeRelationshipDevDependencyOf))
		}
		out = append(out, b.rel(b.ids[c.Ref], b.ids[ref], common.TypeRelationshipDependsOn))
	}
	return out
}

func pkg(c *sbom.Component, ids map[string]common.ElementID, subject bool) *spdx.Package {
	p := &spdx.Package{
		PackageName:               c.Name,
		PackageSPDXIdentifier:     ids[c.Ref],
		PackageVersion:            c.Version,
		PackageDownloadLocation:   downloadLocation(c),
		FilesAnalyzed:             false,
		IsFilesAnalyzedTagPresent: true,
		PackageHomePage:           c.Homepage,
		PackageLicenseConcluded:   noAssertion,
		PackageLicenseDeclared:    noAssertion,
		PackageCopyrightText:      noAssertion,
		PackageDescription:        c.Description,
		PrimaryPackagePurpose:     "LIBRARY",
	}
	switch c.Type {
	case sbom.TypeApplication:
		p.PrimaryPackagePurpose = "APPLICATION"
	case sbom.TypeFile:
		p.PrimaryPackagePurpose = "FILE"
		p.PackageFileName = c.Name
	case sbom.TypeContainer:
		p.PrimaryPackagePurpose = "CONTAINER"
	}
	if c.License != "" {
		p.PackageLicenseDeclared = c.License
	}
	if c.ConcludedLicense != "" {
		p.PackageLicenseConcluded = c.ConcludedLicense
	}
	if c.Creator != nil {
		p.PackageOriginator = &common.Originator{Originator: creators([]sbom.Contact{*c.Creator})[0].Creator,
			OriginatorType: creators([]sbom.Contact{*c.Creator})[0].CreatorType}
	}
	for _, h := range c.Hashes {
		if alg, ok := checksumAlgorithm[h.Algorithm]; ok {
			p.PackageChecksums = append(p.PackageChecksums, common.Checksum{Algorithm: alg, Value: h.Value})
		}
	}
	if purl := c.PURL(); purl != "" {
		p.PackageExternalReferences = append(p.PackageExternalReferences, &spdx.PackageExternalReference{
			Category: common.CategoryPackageManager,
			RefType:  common.TypePackageManagerPURL,
			Locator:  purl,
		})
	}
	var lines []string
	// Each comment line is "name: value"; a value from the inputs stays on its line.
	for _, prop := range sbom.ComponentPropertiesNoScope(c, subject) {
		lines = append(lines, prop.Name+": "+oneLine(prop.Value))
	}
	if c.Repository != "" {
		lines = append(lines, "repository: "+oneLine(c.Repository))
	}
	if c.Documentation != "" {
		lines = append(lines, "documentation: "+oneLine(c.Documentation))
	}
	if c.SourceURL != "" {
		lines = append(lines, "source: "+oneLine(c.SourceURL))
	}
	for _, a := range c.Authors {
		lines = append(lines, "author: "+oneLine(a))
	}
	p.PackageComment = strings.Join(lines, "\n")
	return p
}

var checksumAlgorithm = map[sbom.HashAlgorithm]common.ChecksumAlgorithm{
	sbom.SHA1:   common.SHA1,
	sbom.SHA256: common.SHA256,
	sbom.SHA384: common.SHA384,
	sbom.SHA512: common.SHA512,
}

// downloadLocation is crates.io's download URL, a git locator, or NOASSERTION.
func downloadLocation(c *sbom.Component) string {
	if u := sbom.DownloadURL(c); u != "" {
		return u
	}
	if c.Source.Kind == sbom.SourceGit && vcsScheme.MatchString(c.Source.URL) {
		loc := "git+" + c.Source.URL
		if c.Source.Rev != "" {
			loc += "@" + c.Source.Rev
		}
		return loc
	}
	return noAssertion
}

// oneLine keeps a value from the inputs on the comment line it is written on: line breaks become spaces.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case '\n', '\r', '\v', '\f', 0x85, 0x2028, 0x2029:
			return ' '
		}
		return r
	}, s)
}

// creators are SPDX creators of contacts: a Person with an e-mail address, else an Organization (SPDX 2 has no
// place for a URL).
func creators(cs []sbom.Contact) []common.Creator {
	var out []common.Creator
	for _, c := range cs {
		kind := "Organization"
		if c.Email != "" {
			kind = "Person"
		}
		out = append(out, common.Creator{CreatorType: kind, Creator: strings.TrimSpace(oneLine(c.Name) + " (" + oneLine(c.Email) + ")")})
	}
	return out
}

func documentComment(doc *sbom.Document) string {
	lines := []string{sbom.PropOrigin + ": " + string(doc.Origin)}
	if doc.Profile != "" {
		lines = append(lines, sbom.PropProfile+": "+doc.Profile)
	}
	if doc.Target != "" {
		lines = append(lines, sbom.PropTargetTriple+": "+doc.Target)
	}
	if doc.AllTargets {
		lines = append(lines, sbom.PropAllTargets+": true")
	}
	if doc.Incomplete {
		lines = append(lines, sbom.PropIncomplete+": true")
	}
	for _, p := range doc.Properties {
		lines = append(lines, p.Name+": "+oneLine(p.Value))
	}
	for _, n := range doc.Notes {
		lines = append(lines, sbom.PropNote+": "+oneLine(n))
	}
	return strings.Join(lines, "\n")
}
