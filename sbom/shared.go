package sbom

import "net/url"

// DownloadURL returns where a crate's .crate file can be downloaded from, for crates.io crates; "" otherwise (other
// registries name their download URL in a config file ferroseal does not fetch).
func DownloadURL(c *Component) string {
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
