package cyclonedx

import (
	"bytes"
	"fmt"
	"strings"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/ferroseal/ferroseal/sbom"
)

// Decode reads a CycloneDX JSON BOM (any specification version cyclonedx-go reads) back into a document: the
// metadata component as the subject, every component (nested ones flattened) with its scope, source kind and
// dependencies. Facts ferroseal records in properties are read from them; for BOMs of other tools, the source
// kind comes from the package URL and the scope from the CycloneDX scope. It reads what verification compares,
// not every field.
func Decode(data []byte) (*sbom.Document, error) {
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), cdx.BOMFileFormatJSON).Decode(&bom); err != nil {
		return nil, fmt.Errorf("decoding CycloneDX: %w", err)
	}
	if bom.BOMFormat != "CycloneDX" {
		return nil, fmt.Errorf("decoding CycloneDX: bomFormat %q", bom.BOMFormat)
	}
	doc := &sbom.Document{Origin: sbom.Origin(property(bom.Metadata, sbom.PropOrigin))}
	if bom.Metadata != nil && bom.Metadata.Component != nil {
		doc.Subject = component(bom.Metadata.Component)
	}
	var walk func(cs *[]cdx.Component)
	walk = func(cs *[]cdx.Component) {
		if cs == nil {
			return
		}
		for i := range *cs {
			c := &(*cs)[i]
			doc.Components = append(doc.Components, component(c))
			walk(c.Components)
		}
	}
	walk(bom.Components)
	edges := map[string][]string{}
	if bom.Dependencies != nil {
		for _, d := range *bom.Dependencies {
			if d.Dependencies != nil {
				edges[d.Ref] = append(edges[d.Ref], *d.Dependencies...)
			}
		}
	}
	doc.Subject.DependsOn = edges[doc.Subject.Ref]
	for i := range doc.Components {
		doc.Components[i].DependsOn = edges[doc.Components[i].Ref]
	}
	return doc, nil
}

func property(md *cdx.Metadata, name string) string {
	if md == nil || md.Properties == nil {
		return ""
	}
	for _, p := range *md.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

func component(c *cdx.Component) sbom.Component {
	out := sbom.Component{
		Ref:     c.BOMRef,
		Type:    sbom.ComponentType(c.Type),
		Name:    c.Name,
		Version: c.Version,
	}
	props := map[string]string{}
	if c.Properties != nil {
		for _, p := range *c.Properties {
			props[p.Name] = p.Value
			out.Properties = append(out.Properties, sbom.Property{Name: p.Name, Value: p.Value})
		}
	}
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			out.Hashes = append(out.Hashes, sbom.Hash{Algorithm: sbom.HashAlgorithm(h.Algorithm), Value: strings.ToLower(h.Value)})
		}
	}
	out.Source = sbom.SourceFromPURL(c.PackageURL)
	if k := props[sbom.PropSource]; k != "" {
		out.Source.Kind = sbom.SourceKind(k)
	}
	out.Source.Label = props[sbom.PropSourceLabel]
	switch c.Scope {
	case cdx.ScopeRequired, cdx.ScopeOptional, "":
		// CycloneDX: without a scope, "required" is to be assumed.
		out.Scope = sbom.ScopeRuntime
	case cdx.ScopeExcluded:
		out.Scope = sbom.ScopeBuild
		if props[sbom.PropDependencyKind] == string(sbom.ScopeDev) {
			out.Scope = sbom.ScopeDev
		}
	}
	return out
}
