package spdx

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/ferroseal/ferroseal/sbom"
)

// Decode reads an SPDX 2.2 or 2.3 document, JSON or tag-value, back into a document: the package the document
// DESCRIBES as the subject, every other package as a component with its version, purl, checksums, declared
// license, description, home page, source kind (from ferroseal's comment lines, else from the purl), links and
// authors (ferroseal's comment lines, else the originator) and dependencies; the creation time, the document's
// properties (its comment lines) and the licenses it defines. Components get the references ferroseal's readers
// give them (see [sbom.DeriveRefs]). Scopes are ferroseal's dependency-kind lines when present; otherwise they follow the
// relationships from the subject: what it reaches through DEPENDS_ON is runtime, a BUILD_DEPENDENCY_OF it and what
// that reaches is build, a DEV_DEPENDENCY_OF it is dev (a DEPENDS_ON of the same pair as a scoped relationship
// counts as that one). CONTAINS adds no dependency.
func Decode(data []byte) (*sbom.Document, error) {
	var doc *spdx.Document
	var err error
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '{' {
		doc, err = spdxjson.Read(bytes.NewReader(data))
	} else {
		doc, err = tagvalue.Read(bytes.NewReader(data))
	}
	if err != nil {
		return nil, fmt.Errorf("decoding SPDX: %w", err)
	}
	if !strings.HasPrefix(doc.SPDXVersion, "SPDX-2.") {
		return nil, fmt.Errorf("decoding SPDX: version %q", doc.SPDXVersion)
	}
	out := &sbom.Document{}
	for _, line := range strings.Split(doc.DocumentComment, "\n") {
		if name, value, ok := strings.Cut(line, ": "); ok && strings.Contains(name, ":") {
			sbom.ReadDocumentProperty(out, sbom.Property{Name: name, Value: value})
		}
	}
	if doc.CreationInfo != nil {
		if t, err := time.Parse(time.RFC3339, doc.CreationInfo.Created); err == nil {
			out.Created = t
		}
		for _, c := range doc.CreationInfo.Creators {
			if c.CreatorType == "Person" || c.CreatorType == "Organization" {
				out.Creators = append(out.Creators, contact(c.Creator))
			}
		}
	}
	for _, l := range doc.OtherLicenses {
		if l != nil && sbom.IsLicenseRef(l.LicenseIdentifier) {
			out.LicenseRefs = append(out.LicenseRefs, sbom.LicenseRef{ID: l.LicenseIdentifier, Name: l.LicenseName, Text: l.ExtractedText})
		}
	}
	byID := map[common.ElementID]*sbom.Component{}
	comps := make([]sbom.Component, 0, len(doc.Packages))
	var subject common.ElementID
	for _, r := range doc.Relationships {
		if r.Relationship == common.TypeRelationshipDescribe && r.RefA.ElementRefID == "DOCUMENT" && subject == "" {
			subject = r.RefB.ElementRefID
		}
	}
	explicitScope := map[common.ElementID]bool{}
	for _, p := range doc.Packages {
		if p == nil {
			return nil, fmt.Errorf("decoding SPDX: an empty package")
		}
		c := decodePackage(p)
		if c.Scope != sbom.ScopeUnknown || strings.Contains(p.PackageComment, sbom.PropDependencyKind+": "+sbom.ScopeUnknownValue) {
			explicitScope[p.PackageSPDXIdentifier] = true
		}
		comps = append(comps, c)
	}
	for i, p := range doc.Packages {
		byID[p.PackageSPDXIdentifier] = &comps[i]
	}
	type edge = sbom.ScopedEdge[common.ElementID]
	var edges []edge
	// A DEPENDS_ON beside a scoped relationship of the same pair (ferroseal writes both) is the scoped one's twin.
	scoped := map[[2]common.ElementID]bool{}
	for _, r := range doc.Relationships {
		switch r.Relationship {
		case common.TypeRelationshipBuildDependencyOf, common.TypeRelationshipDevDependencyOf:
			scoped[[2]common.ElementID{r.RefB.ElementRefID, r.RefA.ElementRefID}] = true
		}
	}
	for _, r := range doc.Relationships {
		a, b := r.RefA.ElementRefID, r.RefB.ElementRefID
		if byID[a] == nil || byID[b] == nil {
			continue
		}
		switch r.Relationship {
		case common.TypeRelationshipDependsOn:
			if scoped[[2]common.ElementID{a, b}] {
				continue
			}
			edges = append(edges, edge{From: a, To: b, Scope: sbom.ScopeRuntime})
		case common.TypeRelationshipBuildDependencyOf:
			edges = append(edges, edge{From: b, To: a, Scope: sbom.ScopeBuild})
		case common.TypeRelationshipDevDependencyOf:
			edges = append(edges, edge{From: b, To: a, Scope: sbom.ScopeDev})
		default:
			continue
		}
	}
	for _, e := range edges {
		byID[e.From].DependsOn = append(byID[e.From].DependsOn, byID[e.To].Ref)
	}
	// Scopes by propagation from the subject, for packages without an explicit dependency kind.
	scope := sbom.PropagateScopes(subject, edges)
	for i, p := range doc.Packages {
		id := p.PackageSPDXIdentifier
		if !explicitScope[id] {
			comps[i].Scope = scope[id]
		}
		if id == subject {
			out.Subject = comps[i]
			continue
		}
		out.Components = append(out.Components, comps[i])
	}
	if out.Subject.Ref == "" {
		return nil, fmt.Errorf("decoding SPDX: the document DESCRIBES no package of it")
	}
	out.Subject.Scope = sbom.ScopeUnknown // the artifact described is not a dependency
	out.DefineLicenseRefs()
	sbom.DeriveRefs(out)
	return out, nil
}

func decodePackage(p *spdx.Package) sbom.Component {
	c := sbom.Component{
		Ref:         string(p.PackageSPDXIdentifier),
		Type:        sbom.TypeLibrary,
		Name:        p.PackageName,
		Version:     p.PackageVersion,
		Description: p.PackageDescription,
		Homepage:    assertion(p.PackageHomePage),
		License:     assertion(p.PackageLicenseDeclared),
	}
	switch p.PrimaryPackagePurpose {
	case "APPLICATION":
		c.Type = sbom.TypeApplication
	case "FILE":
		c.Type = sbom.TypeFile
	case "CONTAINER":
		c.Type = sbom.TypeContainer
	}
	hasPURL := false
	for _, ref := range p.PackageExternalReferences {
		if ref == nil || ref.RefType != common.TypePackageManagerPURL || hasPURL {
			continue
		}
		hasPURL = true
		if strings.HasPrefix(ref.Locator, "pkg:cargo/") {
			c.Source = sbom.SourceFromPURL(ref.Locator)
		} else {
			c.OtherPURL = ref.Locator
		}
	}
	for _, h := range p.PackageChecksums {
		for alg, s := range checksumAlgorithm {
			if s == h.Algorithm {
				c.Hashes = append(c.Hashes, sbom.Hash{Algorithm: alg, Value: strings.ToLower(h.Value)})
			}
		}
	}
	for _, line := range strings.Split(p.PackageComment, "\n") {
		name, value, ok := strings.Cut(line, ": ")
		if !ok {
			continue
		}
		switch name {
		case "repository":
			c.Repository = value
		case "documentation":
			c.Documentation = value
		case "source":
			c.SourceURL = value
		case "author":
			c.Authors = append(c.Authors, value)
		default:
			if strings.HasPrefix(name, "ferroseal:") {
				sbom.ReadComponentProperty(&c, sbom.Property{Name: name, Value: value})
			}
		}
	}
	if o := p.PackageOriginator; o != nil && o.Originator != "" && o.Originator != noAssertion {
		if len(c.Authors) > 0 || strings.HasPrefix(p.PackageComment, "ferroseal:") {
			k := contact(o.Originator) // ferroseal writes a component's creator as its originator
			c.Creator = &k
		} else {
			c.Authors = []string{o.Originator}
		}
	}
	c.ConcludedLicense = assertion(p.PackageLicenseConcluded)
	sbom.SettlePURL(&c, hasPURL)
	return c
}

// contact reads an SPDX creator or originator, "Name (email)".
func contact(s string) sbom.Contact {
	s = strings.TrimSpace(s)
	if i := strings.LastIndex(s, " ("); i >= 0 && strings.HasSuffix(s, ")") {
		return sbom.Contact{Name: s[:i], Email: s[i+2 : len(s)-1]}
	}
	if n, ok := strings.CutSuffix(s, "()"); ok {
		return sbom.Contact{Name: strings.TrimSpace(n)}
	}
	return sbom.Contact{Name: s}
}

// assertion is an SPDX value, or "" for NOASSERTION and NONE.
func assertion(s string) string {
	if s == noAssertion || s == "NONE" {
		return ""
	}
	return s
}
