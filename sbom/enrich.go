package sbom

import (
	"fmt"
	"slices"
)

// Mismatch is a disagreement Enrich found between a document and its reference.
type Mismatch struct {
	// Ref is the component of the enriched document the mismatch is about.
	Ref string
	// Message says what disagrees, in a sentence.
	Message string
}

// Enrich completes doc from ref, a document of the same build read from richer sources (a Cargo.lock, cargo
// metadata): each component of doc is matched to the component of ref with the same name, version and kind of
// source, and takes from it what doc lacks: the source's URL and revision (so a git crate's package URL names its
// repository and commit), hashes, license, description, authors and links. doc keeps its own components, scopes and
// graph: ref only adds facts about them. Component references are recomputed where sources gained a URL.
//
// It returns the components of doc that ref does not list, or lists at another version or from another kind of
// source: for a binary, a sign that the lockfile is not the one it was built from.
func Enrich(doc, ref *Document) []Mismatch {
	type key struct {
		name, version string
		kind          SourceKind
	}
	byKey := map[key]*Component{}
	byName := map[string][]*Component{}
	for i := range ref.Components {
		c := &ref.Components[i]
		byKey[key{c.Name, c.Version, c.Source.Kind}] = c
		byName[c.Name] = append(byName[c.Name], c)
	}
	addRef := func(c *Component) {
		byKey[key{c.Name, c.Version, c.Source.Kind}] = c
		byName[c.Name] = append(byName[c.Name], c)
	}
	if k := (key{ref.Subject.Name, ref.Subject.Version, ref.Subject.Source.Kind}); ref.Subject.Version != "" && byKey[k] == nil {
		addRef(&ref.Subject) // a workspace's subject names its root package, which the components describe better
	}
	licenseRefs := map[string]LicenseRef{}
	for _, r := range ref.LicenseRefs {
		licenseRefs[r.ID] = r
	}

	var mismatches []Mismatch
	renamed := map[string]string{}
	for i := range doc.Components {
		c := &doc.Components[i]
		kind := c.Source.Kind
		match := byKey[key{c.Name, c.Version, kind}]
		if match == nil && kind == SourceUnknown {
			// A source the input could not name (a heuristic recovery): a crate of the same name and version fits
			// when there is exactly one.
			var cands []*Component
			for _, cand := range byName[c.Name] {
				if cand.Version == c.Version {
					cands = append(cands, cand)
				}
			}
			if len(cands) == 1 {
				match = cands[0]
			}
		}
		if match == nil {
			mismatches = append(mismatches, Mismatch{Ref: c.Ref, Message: describeMiss(c, byName[c.Name])})
			continue
		}
		if match.Source.URL != "" || match.Source.Rev != "" {
			c.Source.Kind, c.Source.URL, c.Source.Rev = match.Source.Kind, match.Source.URL, match.Source.Rev
			if c.Source.Kind == SourceRegistry && c.Source.Label == "" {
				c.Source.Label = match.Source.Label
			}
		}
		if kind == SourceUnknown {
			c.Source.Kind = match.Source.Kind
		}
		for _, h := range match.Hashes {
			if c.Hash(h.Algorithm) == "" {
				c.Hashes = append(c.Hashes, h)
			}
		}
		if c.License == "" && match.License != "" {
			c.License = match.License
			if r, ok := licenseRefs[match.License]; ok {
				doc.LicenseRefs = append(doc.LicenseRefs, r)
			}
		}
		fill := func(dst *string, src string) {
			if *dst == "" {
				*dst = src
			}
		}
		fill(&c.Description, match.Description)
		fill(&c.Homepage, match.Homepage)
		fill(&c.Repository, match.Repository)
		fill(&c.Documentation, match.Documentation)
		if len(c.Authors) == 0 {
			c.Authors = slices.Clone(match.Authors)
		}
		for _, p := range match.Properties {
			if p.Name == PropCrateKind && !slices.Contains(c.Properties, p) {
				c.Properties = append(c.Properties, p)
			}
		}
		if newRef := CrateRef(c.Name, c.Version, c.Source); newRef != c.Ref {
			renamed[c.Ref] = newRef
		}
	}
	if len(renamed) > 0 {
		taken := map[string]bool{doc.Subject.Ref: true}
		for i := range doc.Components {
			if _, moving := renamed[doc.Components[i].Ref]; !moving {
				taken[doc.Components[i].Ref] = true
			}
		}
		for old, nu := range renamed {
			if taken[nu] { // two crates that only differed by what the binary could not tell apart
				delete(renamed, old)
				continue
			}
			taken[nu] = true
		}
		doc.RenameRefs(renamed)
		for i, m := range mismatches {
			if nu, ok := renamed[m.Ref]; ok {
				mismatches[i].Ref = nu
			}
		}
	}
	doc.Normalize()
	return mismatches
}

func describeMiss(c *Component, sameName []*Component) string {
	what := fmt.Sprintf("%s %s (%s)", c.Name, c.Version, sourceWord(c.Source.Kind))
	var versions []string
	for _, o := range sameName {
		if o.Version == c.Version {
			return fmt.Sprintf("%s: the reference has it from %s", what, sourceWord(o.Source.Kind))
		}
		versions = append(versions, o.Version)
	}
	if len(versions) > 0 {
		slices.Sort(versions)
		return fmt.Sprintf("%s: the reference has version %s", what, joinWords(versions))
	}
	return what + ": not in the reference"
}

func sourceWord(k SourceKind) string {
	if k == SourceUnknown {
		return "unknown source"
	}
	return string(k)
}

func joinWords(s []string) string {
	out := ""
	for i, w := range slices.Compact(s) {
		if i > 0 {
			out += ", "
		}
		out += w
	}
	return out
}
