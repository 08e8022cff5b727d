// Package spdx encodes an [sbom.Document] as an SPDX 2.3 document (JSON or tag-value) through
// github.com/spdx/tools-golang.
//
// The output is deterministic: the document namespace is derived from the content and the tool's version, the
// creation time is the document's, every list is sorted. Properties that SPDX 2.3 has no field for (source kind,
// dependency kind, target triple) are written as "name: value" lines in the package and document comments.
package spdx

import (
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

// Encode writes doc to w as SPDX 2.3.
func Encode(w io.Writer, doc *sbom.Document, opts Options) error {
	d, err := Document(doc, opts)
	if err != nil {
		return err
	}
	if opts.Format == TagValue {
		sanitizeTagValue(d)
		if err := tagvalue.Write(d, w); err != nil {
			return fmt.Errorf("encoding SPDX tag-value: %w", err)
		}
		return nil
	}
	if err := spdxjson.Write(d, w, spdxjson.Indent("  "), spdxjson.EscapeHTML(false)); err != nil {
		return fmt.Errorf("encoding SPDX JSON: %w", err)
	}
	return nil
}

var (
	idUnsafe  = regexp.MustCompile(`[^A-Za-z0-9.-]+`)
	vcsScheme = regexp.MustCompile(`^(https?|ssh|git)://`)
)

// Document converts doc into a tools-golang SPDX 2.3 document.
func Document(doc *sbom.Document, opts Options) (*spdx.Document, error) {
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
	name := doc.Subject.Name
	if doc.Subject.Version != "" {
		name += "-" + doc.Subject.Version
	}
	out := &spdx.Document{
		SPDXVersion:       spdx.Version,
		DataLicense:       spdx.DataLicense,
		SPDXIdentifier:    "DOCUMENT",
		DocumentName:      name,
		DocumentNamespace: NamespacePrefix + idUnsafe.ReplaceAllString(name, "-") + "-" + doc.UUID("spdx", tool),
		CreationInfo: &spdx.CreationInfo{
			Creators: []common.Creator{{CreatorType: "Tool", Creator: tool}},
			Created:  doc.Created.UTC().Format(time.RFC3339),
		},
		DocumentComment: documentComment(doc),
	}

	ids := map[string]common.ElementID{}
	taken := map[common.ElementID]bool{}
	assign := func(c *sbom.Component) {
		id := common.ElementID("Package-" + strings.Trim(idUnsafe.ReplaceAllString(c.Name+"-"+c.Version, "-"), "-"))
		if taken[id] {
			sum := sha256.Sum256([]byte(c.Ref))
			id = common.ElementID(fmt.Sprintf("%s-%x", id, sum[:4]))
		}
		taken[id] = true
		ids[c.Ref] = id
	}
	assign(&doc.Subject)
	for i := range doc.Components {
		assign(&doc.Components[i])
	}

	out.Packages = append(out.Packages, pkg(&doc.Subject, ids))
	for i := range doc.Components {
		out.Packages = append(out.Packages, pkg(&doc.Components[i], ids))
	}
	for _, r := range doc.LicenseRefs {
		out.OtherLicenses = append(out.OtherLicenses, &spdx.OtherLicense{
			LicenseIdentifier: r.ID,
			LicenseName:       r.Name,
			ExtractedText:     r.Text,
		})
	}

	rel := func(a, b common.ElementID, kind string) {
		out.Relationships = append(out.Relationships, &spdx.Relationship{
			RefA:         common.MakeDocElementID("", string(a)),
			RefB:         common.MakeDocElementID("", string(b)),
			Relationship: kind,
		})
	}
	rel("DOCUMENT", ids[doc.Subject.Ref], common.TypeRelationshipDescribe)
	edges := func(c *sbom.Component, isSubject bool) {
		for _, ref := range c.DependsOn {
			dep := doc.Component(ref)
			switch {
			case dep.Scope == sbom.ScopeBuild && (isSubject || c.Scope == sbom.ScopeRuntime):
				rel(ids[ref], ids[c.Ref], common.TypeRelationshipBuildDependencyOf)
			case dep.Scope == sbom.ScopeDev && c.Scope != sbom.ScopeDev:
				rel(ids[ref], ids[c.Ref], common.TypeRelationshipDevDependencyOf)
			default:
				rel(ids[c.Ref], ids[ref], common.TypeRelationshipDependsOn)
			}
		}
	}
	edges(&doc.Subject, true)
	for i := range doc.Components {
		edges(&doc.Components[i], false)
	}
	return out, nil
}

func pkg(c *sbom.Component, ids map[string]common.ElementID) *spdx.Package {
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
	}
	if c.License != "" {
		p.PackageLicenseDeclared = c.License
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
	for _, prop := range sbom.ComponentProperties(c) {
		lines = append(lines, prop.Name+": "+oneLine(prop.Value))
	}
	if c.Repository != "" {
		lines = append(lines, "repository: "+oneLine(c.Repository))
	}
	if c.Documentation != "" {
		lines = append(lines, "documentation: "+oneLine(c.Documentation))
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

func documentComment(doc *sbom.Document) string {
	lines := []string{sbom.PropOrigin + ": " + string(doc.Origin)}
	if doc.Target != "" {
		lines = append(lines, sbom.PropTargetTriple+": "+doc.Target)
	}
	if doc.AllTargets {
		lines = append(lines, sbom.PropAllTargets+": true")
	}
	if doc.Incomplete {
		lines = append(lines, "ferroseal:sbom:incomplete: true")
	}
	for _, p := range doc.Properties {
		lines = append(lines, p.Name+": "+oneLine(p.Value))
	}
	for _, n := range doc.Notes {
		lines = append(lines, sbom.PropNote+": "+oneLine(n))
	}
	return strings.Join(lines, "\n")
}
