package cyclonedx

import (
	"bytes"
	"cmp"
	"fmt"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/ferroseal/ferroseal/sbom"
)

// Decode reads a CycloneDX BOM, JSON or XML (any specification version cyclonedx-go reads), back into a document:
// the metadata component as the subject, every component (nested ones flattened) with its type, version, digests,
// license, authors, description, links, properties and dependencies; the creation time; the document's
// properties. Facts ferroseal records in properties (source kind, dependency kind, target, origin, notes) are read
// from them; for BOMs of other tools, the source kind comes from the package URL and the scope from the CycloneDX
// scope. What the model has no place for (services, vulnerabilities, annotations, formulation) is not read.
func Decode(data []byte) (*sbom.Document, error) {
	format := cdx.BOMFileFormatJSON
	if t := bytes.TrimLeft(data, " \t\r\n\ufeff"); len(t) > 0 && t[0] == '<' {
		format = cdx.BOMFileFormatXML
	}
	var bom cdx.BOM
	if err := cdx.NewBOMDecoder(bytes.NewReader(data), format).Decode(&bom); err != nil {
		return nil, fmt.Errorf("decoding CycloneDX: %w", err)
	}
	if format == cdx.BOMFileFormatJSON && bom.BOMFormat != "CycloneDX" {
		return nil, fmt.Errorf("decoding CycloneDX: bomFormat %q", bom.BOMFormat)
	}
	if format == cdx.BOMFileFormatXML && !strings.HasPrefix(bom.XMLNS, "http://cyclonedx.org/schema/bom/") {
		return nil, fmt.Errorf("decoding CycloneDX: XML namespace %q", bom.XMLNS)
	}
	doc := &sbom.Document{}
	refs := map[string]sbom.LicenseRef{}
	if md := bom.Metadata; md != nil {
		if md.Properties != nil {
			for _, p := range *md.Properties {
				sbom.ReadDocumentProperty(doc, sbom.Property{Name: p.Name, Value: p.Value})
			}
		}
		if t, err := time.Parse(time.RFC3339, md.Timestamp); err == nil {
			doc.Created = t
		}
		if md.Component != nil {
			doc.Subject = component(md.Component, refs)
		}
		doc.Creators = creators(md)
	}
	// CycloneDX: a component without a scope is required. ferroseal leaves the scope out where the input did
	// not say (a Cargo.lock alone, a binary in an archive): in its own documents, no scope is no scope.
	ours := doc.Origin != ""
	var walk func(cs *[]cdx.Component)
	walk = func(cs *[]cdx.Component) {
		if cs == nil {
			return
		}
		for i := range *cs {
			c := &(*cs)[i]
			out := component(c, refs)
			if ours && c.Scope == "" {
				out.Scope = sbom.ScopeUnknown
			}
			doc.Components = append(doc.Components, out)
			walk(c.Components)
		}
	}
	walk(bom.Components)
	// A component without a bom-ref (CycloneDX allows it; nothing can depend on it) is named by its purl, or by
	// its place.
	taken := map[string]bool{doc.Subject.Ref: true}
	for _, c := range doc.Components {
		taken[c.Ref] = true
	}
	for i := range doc.Components {
		if c := &doc.Components[i]; c.Ref == "" {
			c.Ref = c.PURL()
			if c.Ref == "" || taken[c.Ref] {
				c.Ref = fmt.Sprintf("component:%d", i+1)
			}
			taken[c.Ref] = true
		}
	}
	if doc.Subject.Ref == "" && doc.Subject.Name != "" {
		doc.Subject.Ref = "subject:" + doc.Subject.Name
	}
	edges := map[string][]string{}
	if bom.Dependencies != nil {
		for _, d := range *bom.Dependencies {
			if d.Dependencies != nil {
				edges[d.Ref] = append(edges[d.Ref], *d.Dependencies...)
			}
		}
	}
	doc.Subject.DependsOn = edges[doc.Subject.Ref]
	doc.Subject.Scope = sbom.ScopeUnknown // the artifact described is not a dependency
	for i := range doc.Components {
		doc.Components[i].DependsOn = edges[doc.Components[i].Ref]
	}
	if bom.Compositions != nil {
		deps := map[string]sbom.Completeness{}
		for _, c := range *bom.Compositions {
			if c.Aggregate == cdx.CompositionAggregateIncomplete && c.Assemblies != nil {
				for _, a := range *c.Assemblies {
					doc.Incomplete = doc.Incomplete || string(a) == doc.Subject.Ref
				}
			}
			if c.Dependencies != nil {
				var k sbom.Completeness
				switch c.Aggregate {
				case cdx.CompositionAggregateComplete:
					k = sbom.DependenciesComplete
				case cdx.CompositionAggregateIncomplete:
					k = sbom.DependenciesIncomplete
				}
				for _, r := range *c.Dependencies {
					deps[string(r)] = k
				}
			}
		}
		doc.Subject.Dependencies = deps[doc.Subject.Ref]
		for i := range doc.Components {
			doc.Components[i].Dependencies = deps[doc.Components[i].Ref]
		}
	}
	for _, r := range refs {
		doc.LicenseRefs = append(doc.LicenseRefs, r)
	}
	doc.DefineLicenseRefs()
	return doc, nil
}

func component(c *cdx.Component, refs map[string]sbom.LicenseRef) sbom.Component {
	out := sbom.Component{
		Ref:         c.BOMRef,
		Type:        sbom.ComponentType(c.Type),
		Name:        c.Name,
		Version:     c.Version,
		Description: c.Description,
	}
	if c.Hashes != nil {
		for _, h := range *c.Hashes {
			out.Hashes = append(out.Hashes, sbom.Hash{Algorithm: sbom.HashAlgorithm(h.Algorithm), Value: strings.ToLower(h.Value)})
		}
	}
	switch {
	case strings.HasPrefix(c.PackageURL, "pkg:cargo/"):
		out.Source = sbom.SourceFromPURL(c.PackageURL)
	case c.PackageURL != "":
		out.OtherPURL = c.PackageURL
	}
	switch c.Scope {
	case cdx.ScopeRequired, cdx.ScopeOptional, "":
		// CycloneDX: without a scope, "required" is to be assumed.
		out.Scope = sbom.ScopeRuntime
	case cdx.ScopeExcluded:
		out.Scope = sbom.ScopeBuild
	}
	if c.Properties != nil {
		for _, p := range *c.Properties {
			sbom.ReadComponentProperty(&out, sbom.Property{Name: p.Name, Value: p.Value})
		}
	}
	sbom.SettlePURL(&out, c.PackageURL != "")
	if c.Scope == cdx.ScopeExcluded && out.Scope == sbom.ScopeRuntime {
		out.Scope = sbom.ScopeBuild // a dependency-kind property cannot make an excluded component linked
	}
	out.License, out.ConcludedLicense = licenseExpressions(c.Licenses, refs)
	if c.Manufacturer != nil {
		out.Creator = contactOf(c.Manufacturer)
	}
	if c.Authors != nil {
		for _, a := range *c.Authors {
			if s := author(a); s != "" {
				out.Authors = append(out.Authors, s)
			}
		}
	} else if c.Author != "" {
		out.Authors = []string{c.Author}
	}
	if c.ExternalReferences != nil {
		for _, r := range *c.ExternalReferences {
			switch {
			case r.Type == cdx.ERTypeVCS && out.Repository == "":
				out.Repository = r.URL
			case r.Type == cdx.ERTypeWebsite && out.Homepage == "":
				out.Homepage = r.URL
			case r.Type == cdx.ERTypeDocumentation && out.Documentation == "":
				out.Documentation = r.URL
			case r.Type == cdx.ERTypeSourceDistribution && out.SourceURL == "":
				out.SourceURL = r.URL
			case r.Type == cdx.ERTypeDistribution && out.DistributionURL == "":
				out.DistributionURL = r.URL
			}
		}
	}
	if u := out.DistributionURL; u != "" {
		out.DistributionURL = ""
		if sbom.DownloadURL(&out) != u {
			out.DistributionURL = u // not the one derived from the source
		}
	}
	return out
}

// author writes a contact as cargo does: "Name <email>", or the name or address alone.
func author(a cdx.OrganizationalContact) string {
	switch {
	case a.Name != "" && a.Email != "":
		return a.Name + " <" + a.Email + ">"
	case a.Name != "":
		return a.Name
	}
	return a.Email
}

// licenseExpressions reads a component's licenses as SPDX expressions, the declared one and the concluded one (by
// their acknowledgement; without one, a license is declared): an expression as written, a license id as itself, a
// named license as a LicenseRef (its bom-ref when that is one, as ferroseal writes it; else made from the name),
// with its text when the BOM carries it. Several licenses of one kind are all required (AND).
func licenseExpressions(ls *cdx.Licenses, refs map[string]sbom.LicenseRef) (declared, concluded string) {
	if ls == nil {
		return "", ""
	}
	var dec, con []string
	for _, l := range *ls {
		parts := &dec
		if (l.Acknowledgement != nil && *l.Acknowledgement == cdx.LicenseAcknowledgementConcluded) ||
			(l.License != nil && l.License.Acknowledgement == cdx.LicenseAcknowledgementConcluded) {
			parts = &con
		}
		switch {
		case l.Expression != "":
			*parts = append(*parts, l.Expression)
		case l.License == nil:
		case l.License.ID != "":
			*parts = append(*parts, l.License.ID)
		case l.License.Name != "":
			id := l.License.BOMRef
			if !sbom.IsLicenseRef(id) {
				id = sbom.LicenseRefID(l.License.Name)
			}
			ref := sbom.LicenseRef{ID: id, Name: l.License.Name}
			if l.License.Text != nil && l.License.Text.Encoding == "" {
				ref.Text = l.License.Text.Content
			}
			if _, seen := refs[id]; !seen || ref.Text != "" {
				refs[id] = ref
			}
			*parts = append(*parts, id)
		}
	}
	return and(dec), and(con)
}

// and joins license expressions, all required.
func and(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	for i, p := range parts {
		if strings.Contains(p, " ") {
			parts[i] = "(" + p + ")"
		}
	}
	return strings.Join(parts, " AND ")
}

// creators are the document's authors: metadata.authors, with the manufacturer's URL; or the manufacturer.
func creators(md *cdx.Metadata) []sbom.Contact {
	var out []sbom.Contact
	if md.Authors != nil {
		for _, a := range *md.Authors {
			out = append(out, sbom.Contact{Name: a.Name, Email: a.Email})
		}
	}
	if m := md.Manufacturer; m != nil {
		c := contactOf(m)
		if len(out) == 0 {
			out = append(out, *c)
		} else if out[0].Name == c.Name || (c.Email != "" && out[0].Email == c.Email) {
			out[0].URL = c.URL
		}
	}
	return out
}

// contactOf reads an organizational entity as a contact: its name, first URL and first contact's e-mail address.
func contactOf(e *cdx.OrganizationalEntity) *sbom.Contact {
	c := &sbom.Contact{Name: e.Name}
	if e.URL != nil && len(*e.URL) > 0 {
		c.URL = (*e.URL)[0]
	}
	if e.Contact != nil {
		for _, k := range *e.Contact {
			if k.Email != "" {
				c.Email = k.Email
				c.Name = cmp.Or(c.Name, k.Name)
				break
			}
		}
	}
	return c
}
