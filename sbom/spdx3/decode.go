package spdx3

import (
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	spdx "github.com/spdx/tools-golang/spdx/v3/v3_0"

	"github.com/ferroseal/ferroseal/sbom"
)

// Decode reads an SPDX 3.0 JSON-LD document into a document: the root element of its Sbom as the subject (the
// SpdxDocument's root element when there is no Sbom), every other software_Package as a component with its
// version, purl (and the source kind it implies, or ferroseal's property), hashes, declared license and
// dependencies. Scopes are ferroseal's dependency-kind properties when present; otherwise they follow the
// dependsOn relationships from the subject: runtime through runtime (or unscoped) ones, build through a build one,
// development through a development or test one.
func Decode(data []byte) (*sbom.Document, error) {
	var d spdx.Document
	if err := d.FromJSON(bytes.NewReader(data)); err != nil {
		return nil, fmt.Errorf("decoding SPDX 3: %w", err)
	}
	var root spdx.AnyElement
	var sbomExt spdx.ExtensionList
	for _, e := range d.RootElements {
		if s, ok := e.(*spdx.SBOM); ok && len(s.RootElements) > 0 {
			root, sbomExt = s.RootElements[0], s.Extensions
			break
		}
	}
	if root == nil && len(d.RootElements) > 0 {
		root = d.RootElements[0]
	}
	if root == nil {
		return nil, errors.New("decoding SPDX 3: the document names no root element")
	}
	out := &sbom.Document{}
	for _, p := range propertiesOf(sbomExt) {
		sbom.ReadDocumentProperty(out, p)
	}
	if ci, ok := d.CreationInfo.(*spdx.CreationInfo); ok {
		out.Created = ci.Created
		for _, a := range ci.CreatedBy {
			if _, tool := a.(*spdx.SoftwareAgent); a != nil && !tool {
				out.Creators = append(out.Creators, *contactOf(a))
			}
		}
	}

	comps := map[string]*sbom.Component{}
	var order []string
	explicit := map[string]bool{}
	for _, e := range d.Elements {
		p, ok := e.(*spdx.Package)
		if !ok {
			continue
		}
		c := component(p)
		if c.Scope != sbom.ScopeUnknown || slices.Contains(propertiesOf(p.Extensions), sbom.Property{Name: sbom.PropDependencyKind, Value: sbom.ScopeUnknownValue}) {
			explicit[p.ID] = true
		}
		comps[p.ID] = &c
		order = append(order, p.ID)
	}
	if comps[root.GetID()] == nil {
		return nil, fmt.Errorf("decoding SPDX 3: the root element %s is not a software_Package", root.GetID())
	}
	type edge = sbom.ScopedEdge[string]
	var edges []edge
	licenses, concluded := map[string][]string{}, map[string][]string{}
	for _, e := range d.Elements {
		var from spdx.AnyElement
		var to spdx.ElementList
		var typ spdx.RelationshipType
		scope := sbom.ScopeRuntime
		switch r := e.(type) {
		case *spdx.Relationship:
			from, to, typ = r.From, r.To, r.Type
			readCompleteness(comps[idOf(r.From)], r.Type, r.Completeness)
		case *spdx.LifecycleScopedRelationship:
			from, to, typ = r.From, r.To, r.Type
			readCompleteness(comps[idOf(r.From)], r.Type, r.Completeness)
			switch r.Scope {
			case spdx.LifecycleScopeType_Build:
				scope = sbom.ScopeBuild
			case spdx.LifecycleScopeType_Development, spdx.LifecycleScopeType_Test:
				scope = sbom.ScopeDev
			}
		default:
			continue
		}
		if from == nil || comps[from.GetID()] == nil {
			continue
		}
		switch typ {
		case spdx.RelationshipType_DependsOn:
			for _, t := range to {
				if t != nil && comps[t.GetID()] != nil {
					edges = append(edges, edge{From: from.GetID(), To: t.GetID(), Scope: scope})
				}
			}
		case spdx.RelationshipType_HasDeclaredLicense, spdx.RelationshipType_HasConcludedLicense:
			into := licenses
			if typ == spdx.RelationshipType_HasConcludedLicense {
				into = concluded
			}
			for _, t := range to {
				if l, ok := t.(spdx.AnyLicenseInfo); ok {
					if expr := licenseExpression(l, 0); expr != "" {
						into[from.GetID()] = append(into[from.GetID()], expr)
					}
				}
			}
		}
	}
	out.LicenseRefs = licenseTexts(d.Elements)
	for _, e := range edges {
		comps[e.From].DependsOn = append(comps[e.From].DependsOn, comps[e.To].Ref)
	}
	for id, ls := range licenses {
		comps[id].License = allOf(ls)
	}
	for id, ls := range concluded {
		comps[id].ConcludedLicense = allOf(ls)
	}
	// Scopes by propagation from the root, for packages without an explicit dependency kind.
	subject := root.GetID()
	scope := sbom.PropagateScopes(subject, edges)
	for _, id := range order {
		c := comps[id]
		if !explicit[id] {
			c.Scope = scope[id]
		}
		if id == subject {
			out.Subject = *c
			continue
		}
		out.Components = append(out.Components, *c)
	}
	out.Subject.Scope = sbom.ScopeUnknown // the artifact described is not a dependency
	out.DefineLicenseRefs()
	sbom.DeriveRefs(out)
	return out, nil
}

var purposeTypes = map[spdx.SoftwarePurpose]sbom.ComponentType{
	spdx.SoftwarePurpose_Application: sbom.TypeApplication,
	spdx.SoftwarePurpose_Executable:  sbom.TypeApplication,
	spdx.SoftwarePurpose_Archive:     sbom.TypeFile,
	spdx.SoftwarePurpose_File:        sbom.TypeFile,
	spdx.SoftwarePurpose_Container:   sbom.TypeContainer,
}

func component(p *spdx.Package) sbom.Component {
	c := sbom.Component{Ref: p.ID, Type: sbom.TypeLibrary, Name: p.Name, Version: p.Version, Description: p.Description,
		Homepage: string(p.HomePage)}
	if t, ok := purposeTypes[p.PrimaryPurpose]; ok {
		c.Type = t
	}
	purl := string(p.PackageURL)
	for _, id := range p.ExternalIdentifiers {
		if x, ok := id.(*spdx.ExternalIdentifier); ok && x.Type == spdx.ExternalIdentifierType_PackageURL && purl == "" {
			purl = x.Identifier
		}
	}
	switch {
	case strings.HasPrefix(purl, "pkg:cargo/"):
		c.Source = sbom.SourceFromPURL(purl)
	case purl != "":
		c.OtherPURL = purl
	}
	for _, m := range p.VerifiedUsing {
		h, ok := m.(*spdx.Hash)
		if !ok {
			continue
		}
		for alg, a := range hashAlgorithms {
			if a == h.Algorithm {
				c.Hashes = append(c.Hashes, sbom.Hash{Algorithm: alg, Value: strings.ToLower(h.Value)})
			}
		}
	}
	for _, r := range p.ExternalRefs {
		x, ok := r.(*spdx.ExternalRef)
		if !ok || len(x.Locators) == 0 {
			continue
		}
		switch x.Type {
		case spdx.ExternalRefType_Vcs:
			c.Repository = x.Locators[0]
		case spdx.ExternalRefType_Documentation:
			c.Documentation = x.Locators[0]
		case spdx.ExternalRefType_SourceArtifact:
			c.SourceURL = x.Locators[0]
		}
	}
	for _, a := range p.OriginatedBy {
		if a != nil && (strings.Contains(a.GetID(), "#SPDXRef-CreatorPerson-") || strings.Contains(a.GetID(), "#SPDXRef-CreatorOrganization-")) {
			c.Creator = contactOf(a) // ferroseal's component creator, beside the authors
			continue
		}
		switch x := a.(type) {
		case *spdx.Person:
			c.Authors = append(c.Authors, withEmail(x.Name, x.ExternalIdentifiers))
		case *spdx.Organization:
			c.Authors = append(c.Authors, x.Name)
		}
	}
	for _, prop := range propertiesOf(p.Extensions) {
		sbom.ReadComponentProperty(&c, prop)
	}
	sbom.SettlePURL(&c, purl != "")
	if u := string(p.DownloadLocation); u != "" && sbom.DownloadURL(&c) != u && !strings.HasPrefix(u, "git+") {
		c.DistributionURL = u // not the one derived from the source
	}
	return c
}

// contactOf reads an agent as a contact: its name, e-mail address and web page.
func contactOf(a spdx.AnyAgent) *sbom.Contact {
	var c sbom.Contact
	var ids spdx.ExternalIdentifierList
	var refs spdx.ExternalRefList
	switch x := a.(type) {
	case *spdx.Person:
		c.Name, ids, refs = x.Name, x.ExternalIdentifiers, x.ExternalRefs
	case *spdx.Organization:
		c.Name, ids, refs = x.Name, x.ExternalIdentifiers, x.ExternalRefs
	case *spdx.SoftwareAgent:
		c.Name, ids, refs = x.Name, x.ExternalIdentifiers, x.ExternalRefs
	default:
		return &c
	}
	for _, id := range ids {
		if x, ok := id.(*spdx.ExternalIdentifier); ok && x.Type == spdx.ExternalIdentifierType_Email && c.Email == "" {
			c.Email = x.Identifier
		}
	}
	for _, r := range refs {
		if x, ok := r.(*spdx.ExternalRef); ok && x.Type == spdx.ExternalRefType_AltWebPage && len(x.Locators) > 0 && c.URL == "" {
			c.URL = x.Locators[0]
		}
	}
	return &c
}

func withEmail(name string, ids spdx.ExternalIdentifierList) string {
	for _, id := range ids {
		if x, ok := id.(*spdx.ExternalIdentifier); ok && x.Type == spdx.ExternalIdentifierType_Email {
			return name + " <" + x.Identifier + ">"
		}
	}
	return name
}

// propertiesOf reads the CycloneDX properties extensions of an element.
func propertiesOf(exts spdx.ExtensionList) []sbom.Property {
	var out []sbom.Property
	for _, e := range exts {
		if x, ok := e.(*spdx.CdxPropertiesExtension); ok {
			for _, p := range x.CdxProperties {
				if entry, ok := p.(*spdx.CdxPropertyEntry); ok {
					out = append(out, sbom.Property{Name: entry.CdxPropName, Value: entry.CdxPropValue})
				}
			}
		}
	}
	return out
}

// maxLicenseDepth bounds how deeply license sets and operators may nest.
const maxLicenseDepth = 32

var licenseIDUnsafe = regexp.MustCompile(`[^A-Za-z0-9.+-]+`)

// licenseExpression renders a license of either licensing profile as an SPDX expression: a simplelicensing
// expression as written; expandedlicensing sets, operators, listed and custom licenses (as tools such as syft write
// them) composed into one. NOASSERTION, an unknown kind, or nesting beyond maxLicenseDepth give "".
func licenseExpression(l spdx.AnyLicenseInfo, depth int) string {
	if depth > maxLicenseDepth || l == nil {
		return ""
	}
	set := func(members spdx.LicenseInfoList, op string) string {
		var parts []string
		for _, m := range members {
			if e := licenseExpression(m, depth+1); e != "" {
				parts = append(parts, e)
			}
		}
		if len(parts) == 0 {
			return ""
		}
		if len(parts) == 1 {
			return parts[0]
		}
		return "(" + strings.Join(parts, " "+op+" ") + ")"
	}
	switch x := l.(type) {
	case *spdx.LicenseExpression:
		if strings.Contains(x.LicenseExpression, " ") {
			return "(" + x.LicenseExpression + ")"
		}
		return x.LicenseExpression
	case *spdx.ListedLicense:
		return listedID(x.ID, x.Name, "https://spdx.org/licenses/")
	case *spdx.CustomLicense:
		return customID(x.ID, x.Name, "LicenseRef-")
	case *spdx.OrLaterOperator:
		if sub := licenseExpression(x.SubjectLicense, depth+1); sub != "" {
			return sub + "+"
		}
	case *spdx.WithAdditionOperator:
		sub := licenseExpression(x.SubjectExtendableLicense, depth+1)
		var add string
		switch a := x.SubjectAddition.(type) {
		case *spdx.ListedLicenseException:
			add = listedID(a.ID, a.Name, "https://spdx.org/licenses/")
		case *spdx.CustomLicenseAddition:
			add = customID(a.ID, a.Name, "AdditionRef-")
		}
		if sub != "" && add != "" {
			return "(" + sub + " WITH " + add + ")"
		}
		return sub
	case *spdx.ConjunctiveLicenseSet:
		return set(x.Members, "AND")
	case *spdx.DisjunctiveLicenseSet:
		return set(x.Members, "OR")
	case *spdx.IndividualLicensingInfo:
		if x.ID == spdx.IndividualLicensingInfo_NoneLicense.GetID() {
			return "NONE"
		}
	}
	return ""
}

// allOf joins the licenses a package has, all required.
func allOf(ls []string) string {
	slices.Sort(ls)
	ls = slices.Compact(ls)
	if len(ls) == 1 {
		return unwrap(ls[0])
	}
	return strings.Join(ls, " AND ")
}

// readCompleteness reads the completeness a dependsOn relationship states of its package's dependencies.
func readCompleteness(c *sbom.Component, typ spdx.RelationshipType, k spdx.RelationshipCompleteness) {
	if c == nil || typ != spdx.RelationshipType_DependsOn {
		return
	}
	switch k {
	case spdx.RelationshipCompleteness_Complete:
		c.Dependencies = sbom.DependenciesComplete
	case spdx.RelationshipCompleteness_Incomplete:
		c.Dependencies = sbom.DependenciesIncomplete
	}
}

func idOf(e spdx.AnyElement) string {
	if e == nil {
		return ""
	}
	return e.GetID()
}

// unwrap removes the parentheses around a whole expression.
func unwrap(expr string) string {
	if !strings.HasPrefix(expr, "(") || !strings.HasSuffix(expr, ")") {
		return expr
	}
	depth := 0
	for i, r := range expr {
		switch r {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 && i != len(expr)-1 {
				return expr // "(A) AND (B)": the first parenthesis closes early
			}
		}
	}
	return expr[1 : len(expr)-1]
}

// listedID is a listed license's or exception's identifier: the end of its IRI in the SPDX license list, else its
// name, made safe for an expression.
func listedID(iri, name, list string) string {
	id, ok := strings.CutPrefix(iri, list)
	if !ok {
		id = name
	}
	return strings.Trim(licenseIDUnsafe.ReplaceAllString(id, "-"), "-")
}

// customID is a custom license's identifier: LicenseRef-... (or AdditionRef-...) as its IRI ends, else made from
// its name.
func customID(iri, name, prefix string) string {
	if i := strings.LastIndexAny(iri, "#:/"); i >= 0 && strings.HasPrefix(iri[i+1:], prefix) {
		iri = iri[i+1:]
	}
	if strings.HasPrefix(iri, prefix) {
		return licenseIDUnsafe.ReplaceAllString(iri, "-")
	}
	if n := strings.Trim(licenseIDUnsafe.ReplaceAllString(name, "-"), "-"); n != "" {
		return prefix + n
	}
	return ""
}

// licenseTexts reads the texts of the custom licenses a document defines: SimpleLicensingTexts (named by the
// LicenseRef their IRI ends with) and expandedlicensing CustomLicenses.
func licenseTexts(elements spdx.ElementList) []sbom.LicenseRef {
	var out []sbom.LicenseRef
	for _, e := range elements {
		var id, name, text string
		switch x := e.(type) {
		case *spdx.SimpleLicensingText:
			id, name, text = customID(x.ID, x.Name, "LicenseRef-"), x.Name, x.LicenseText
		case *spdx.CustomLicense:
			id, name, text = customID(x.ID, x.Name, "LicenseRef-"), x.Name, x.Text
		default:
			continue
		}
		if id == "" {
			continue
		}
		if text == "NOASSERTION" {
			text = ""
		}
		out = append(out, sbom.LicenseRef{ID: id, Name: name, Text: text})
	}
	return out
}
