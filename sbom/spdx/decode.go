package spdx

import (
	"bytes"
	"fmt"
	"strings"

	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx "github.com/spdx/tools-golang/spdx/v2/v2_3"

	"github.com/ferroseal/ferroseal/sbom"
)

// Decode reads an SPDX 2.2 or 2.3 JSON document back into a document: the package the document DESCRIBES as
// the subject, every other package as a component with its source kind (from ferroseal's comment lines, else from
// the purl) and dependencies. Scopes are ferroseal's dependency-kind lines when present; otherwise they follow the
// relationships from the subject: what it reaches through DEPENDS_ON is runtime, a BUILD_DEPENDENCY_OF it and what
// that reaches is build, a DEV_DEPENDENCY_OF it is dev (a DEPENDS_ON of the same pair as a scoped relationship
// counts as that one). CONTAINS adds no dependency.
func Decode(data []byte) (*sbom.Document, error) {
	doc, err := spdxjson.Read(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("decoding SPDX: %w", err)
	}
	if !strings.HasPrefix(doc.SPDXVersion, "SPDX-2.") {
		return nil, fmt.Errorf("decoding SPDX: version %q", doc.SPDXVersion)
	}
	out := &sbom.Document{}
	for _, line := range strings.Split(doc.DocumentComment, "\n") {
		if v, ok := strings.CutPrefix(line, sbom.PropOrigin+": "); ok {
			out.Origin = sbom.Origin(v)
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
		c := decodePackage(p)
		if c.Scope != sbom.ScopeUnknown {
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
	return out, nil
}

func decodePackage(p *spdx.Package) sbom.Component {
	c := sbom.Component{
		Ref:     string(p.PackageSPDXIdentifier),
		Type:    sbom.TypeLibrary,
		Name:    p.PackageName,
		Version: p.PackageVersion,
	}
	switch p.PrimaryPackagePurpose {
	case "APPLICATION":
		c.Type = sbom.TypeApplication
	case "FILE":
		c.Type = sbom.TypeFile
	case "CONTAINER":
		c.Type = sbom.TypeContainer
	}
	for _, ref := range p.PackageExternalReferences {
		if ref.RefType == common.TypePackageManagerPURL {
			c.Source = sbom.SourceFromPURL(ref.Locator)
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
		case sbom.PropSource:
			c.Source.Kind = sbom.SourceKind(value)
		case sbom.PropSourceLabel:
			c.Source.Label = value
		case sbom.PropDependencyKind:
			c.Scope = sbom.Scope(value)
		}
		if strings.HasPrefix(name, "ferroseal:") {
			c.Properties = append(c.Properties, sbom.Property{Name: name, Value: value})
		}
	}
	return c
}
