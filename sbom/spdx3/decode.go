package spdx3

import (
	"bytes"
	"errors"
	"fmt"
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
		switch p.Name {
		case sbom.PropOrigin:
			out.Origin = sbom.Origin(p.Value)
		case sbom.PropTargetTriple:
			out.Target = p.Value
		case sbom.PropAllTargets:
			out.AllTargets = p.Value == "true"
		case sbom.PropNote:
			out.Notes = append(out.Notes, p.Value)
		case "ferroseal:sbom:incomplete":
			out.Incomplete = p.Value == "true"
		default:
			out.Properties = append(out.Properties, p)
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
		if c.Scope != sbom.ScopeUnknown {
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
	licenses := map[string][]string{}
	for _, e := range d.Elements {
		var from spdx.AnyElement
		var to spdx.ElementList
		var typ spdx.RelationshipType
		scope := sbom.ScopeRuntime
		switch r := e.(type) {
		case *spdx.Relationship:
			from, to, typ = r.From, r.To, r.Type
		case *spdx.LifecycleScopedRelationship:
			from, to, typ = r.From, r.To, r.Type
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
		case spdx.RelationshipType_HasDeclaredLicense:
			for _, t := range to {
				if l, ok := t.(*spdx.LicenseExpression); ok && l.LicenseExpression != "" {
					licenses[from.GetID()] = append(licenses[from.GetID()], l.LicenseExpression)
				}
			}
		}
	}
	for _, e := range edges {
		comps[e.From].DependsOn = append(comps[e.From].DependsOn, comps[e.To].Ref)
	}
	for id, ls := range licenses {
		slices.Sort(ls)
		ls = slices.Compact(ls)
		if len(ls) == 1 {
			comps[id].License = ls[0]
		} else {
			comps[id].License = "(" + strings.Join(ls, ") AND (") + ")"
		}
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
	if purl != "" {
		c.Source = sbom.SourceFromPURL(purl)
		if !strings.HasPrefix(purl, "pkg:cargo/") {
			c.OtherPURL = purl
		}
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
		}
	}
	for _, a := range p.OriginatedBy {
		switch x := a.(type) {
		case *spdx.Person:
			c.Authors = append(c.Authors, withEmail(x.Name, x.ExternalIdentifiers))
		case *spdx.Organization:
			c.Authors = append(c.Authors, x.Name)
		}
	}
	for _, prop := range propertiesOf(p.Extensions) {
		switch prop.Name {
		case sbom.PropSource:
			c.Source.Kind = sbom.SourceKind(prop.Value)
		case sbom.PropSourceLabel:
			c.Source.Label = prop.Value
		case sbom.PropDependencyKind:
			c.Scope = sbom.Scope(prop.Value)
		default:
			if strings.HasPrefix(prop.Name, "ferroseal:") {
				c.Properties = append(c.Properties, prop)
			}
		}
	}
	return c
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
