package sbom

import (
	"fmt"
	"net/url"
	"strings"
)

// DownloadURL returns where a component's deployable form can be downloaded from: its DistributionURL when set,
// else a crates.io crate's .crate file; "" otherwise (other registries name their download URL in a config file
// ferroseal does not fetch).
func DownloadURL(c *Component) string {
	if c.DistributionURL != "" {
		return c.DistributionURL
	}
	if c.Source.Kind != SourceCratesIO || c.Name == "" || c.Version == "" {
		return ""
	}
	return "https://crates.io/api/v1/crates/" + url.PathEscape(c.Name) + "/" + url.PathEscape(c.Version) + "/download"
}

// ComponentProperties returns the properties every encoder writes for a component: its source kind and label, its
// dependency kind when it is not needed at run time, and the component's own properties.
func ComponentProperties(c *Component) []Property {
	var ps []Property
	if c.Source.Kind != SourceUnknown {
		ps = append(ps, Property{Name: PropSource, Value: string(c.Source.Kind)})
	}
	if c.Source.Label != "" {
		ps = append(ps, Property{Name: PropSourceLabel, Value: c.Source.Label})
	}
	switch c.Scope {
	case ScopeBuild, ScopeDev:
		ps = append(ps, Property{Name: PropDependencyKind, Value: string(c.Scope)})
	}
	ps = append(ps, c.Properties...)
	return normalizeProperties(ps)
}

// ScopeUnknownValue is the dependency kind written for a component whose scope the input did not give, in formats
// without a scope of their own (SPDX), where a reader would otherwise take what the subject depends on as runtime.
const ScopeUnknownValue = "unknown"

// ComponentPropertiesNoScope is [ComponentProperties] for a format without scopes: a dependency (not the subject)
// whose scope is unknown says so.
func ComponentPropertiesNoScope(c *Component, subject bool) []Property {
	ps := ComponentProperties(c)
	if !subject && c.Scope == ScopeUnknown {
		ps = normalizeProperties(append(ps, Property{Name: PropDependencyKind, Value: ScopeUnknownValue}))
	}
	return ps
}

// PropIncomplete is "true" when the component list is known to be partial (document level, in the formats that
// have no composition for it).
const PropIncomplete = "ferroseal:sbom:incomplete"

// ReadComponentProperty applies a property as [ComponentProperties] writes it back to c: the source kind and
// label, the dependency kind. Any other property is kept among c's properties. Readers of every format use it, so
// that what one encoder writes another reads.
func ReadComponentProperty(c *Component, p Property) {
	switch p.Name {
	case PropSource:
		c.Source.Kind = SourceKind(p.Value)
	case PropSourceLabel:
		c.Source.Label = p.Value
	case PropDependencyKind:
		c.Scope = Scope(p.Value)
		if p.Value == ScopeUnknownValue {
			c.Scope = ScopeUnknown
		}
	default:
		c.Properties = append(c.Properties, p)
	}
}

// ReadDocumentProperty applies a document-level property as the encoders write it: origin, target, notes,
// incompleteness. cdx:reproducible describes a rendering, not the content, and is dropped (an encoder writes it
// again when its output is reproducible). Any other property is kept among d's properties.
func ReadDocumentProperty(d *Document, p Property) {
	switch p.Name {
	case PropOrigin:
		d.Origin = Origin(p.Value)
	case PropTargetTriple:
		d.Target = p.Value
	case PropAllTargets:
		d.AllTargets = p.Value == "true"
	case PropIncomplete:
		d.Incomplete = p.Value == "true"
	case PropProfile:
		d.Profile = p.Value
	case PropNote:
		d.Notes = append(d.Notes, p.Value)
	case PropReproducible:
	default:
		d.Properties = append(d.Properties, p)
	}
}

// DeriveRefs gives the components of a document read from a format whose identifiers are its own (SPDX's) the
// references ferroseal's readers give them: a crate its [CrateRef], a package of another ecosystem its package
// URL, a workspace "workspace:NAME", a file with digests "artifact:NAME", an image or a subject of neither a
// collection "collection:NAME". A derived reference that another component already has leaves the component's identifier
// as it was. Edges follow.
func DeriveRefs(d *Document) {
	orig := map[string]bool{d.Subject.Ref: true}
	for _, c := range d.Components {
		orig[c.Ref] = true
	}
	taken := map[string]bool{}
	rename := map[string]string{}
	derive := func(c *Component, subject bool) {
		ref := ""
		switch {
		case subject && c.Source.Kind == SourcePath && c.Version == "":
			ref = "workspace:" + c.Name
		case c.Source.Kind != SourceUnknown:
			ref = CrateRef(c.Name, c.Version, c.Source)
		case subject && c.Type == TypeContainer:
			ref = "collection:" + c.Name
		case subject && len(c.Hashes) > 0:
			ref = "artifact:" + c.Name
		case subject:
			ref = "collection:" + c.Name
		case len(c.Hashes) > 0 && c.Type != TypeLibrary:
			ref = "artifact:" + c.Name
		case c.OtherPURL != "":
			ref = c.OtherPURL
		}
		if ref == "" || taken[ref] || (orig[ref] && ref != c.Ref) || c.Name == "" {
			taken[c.Ref] = true
			return
		}
		taken[ref] = true
		rename[c.Ref] = ref
	}
	derive(&d.Subject, true)
	for i := range d.Components {
		derive(&d.Components[i], false)
	}
	d.RenameRefs(rename)
}

// RenameRefs gives components new references (old to new), and the edges to them follow.
func (d *Document) RenameRefs(renamed map[string]string) {
	rename := func(c *Component) {
		if nu, ok := renamed[c.Ref]; ok {
			c.Ref = nu
		}
		for j, dep := range c.DependsOn {
			if nu, ok := renamed[dep]; ok {
				c.DependsOn[j] = nu
			}
		}
	}
	rename(&d.Subject)
	for i := range d.Components {
		rename(&d.Components[i])
	}
}

// SettlePURL sets NoPURL on a component read from a document that gave it no package URL, when the component
// would otherwise have one (a crate whose source kind a property names): it reads back as it was written. Call it
// once the component's source and type are read.
func SettlePURL(c *Component, hadPURL bool) {
	c.NoPURL = false
	c.NoPURL = !hadPURL && c.PURL() != ""
}

// ParseContact reads a contact as a command line gives it: "NAME <EMAIL>", "NAME URL", "NAME <EMAIL> URL", or an
// e-mail address or URL alone.
func ParseContact(s string) (Contact, error) {
	var c Contact
	rest := strings.TrimSpace(s)
	if i, j := strings.IndexByte(rest, '<'), strings.IndexByte(rest, '>'); i >= 0 && j > i {
		c.Email = strings.TrimSpace(rest[i+1 : j])
		rest = strings.TrimSpace(rest[:i] + " " + rest[j+1:])
	}
	var name []string
	for _, f := range strings.Fields(rest) {
		switch {
		case strings.HasPrefix(f, "https://") || strings.HasPrefix(f, "http://"):
			if u, err := url.Parse(f); err != nil || u.Host == "" {
				return c, fmt.Errorf("%q: %q is not a URL", s, f)
			}
			c.URL = f
		case c.Email == "" && strings.Count(f, "@") == 1 && !strings.ContainsAny(f, "/:"):
			c.Email = f
		default:
			name = append(name, f)
		}
	}
	c.Name = strings.Join(name, " ")
	if c.Email != "" && (strings.Count(c.Email, "@") != 1 || strings.ContainsAny(c.Email, " <>")) {
		return c, fmt.Errorf("%q: %q is not an e-mail address", s, c.Email)
	}
	if c.Name == "" && c.Email == "" && c.URL == "" {
		return c, fmt.Errorf("%q names no one", s)
	}
	return c, nil
}
