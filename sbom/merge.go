package sbom

import (
	"slices"
	"time"
)

// MergeArtifacts makes one document of several artifacts' documents (the binaries of a release, say): its subject,
// named name, depends on each artifact, which becomes a component carrying its digests and properties and depending
// on what it depended on; crates appear once, runtime if any artifact links them, with their edges united.
func MergeArtifacts(name string, docs []*Document, created time.Time) *Document {
	out := &Document{
		Subject: Component{Ref: "collection:" + name, Type: TypeApplication, Name: name, NoPURL: true},
		Created: created,
	}
	byRef := map[string]int{}
	add := func(c Component) {
		if j, ok := byRef[c.Ref]; ok {
			have := &out.Components[j]
			if ScopeRank(c.Scope) > ScopeRank(have.Scope) {
				have.Scope = c.Scope
			}
			have.DependsOn = append(have.DependsOn, c.DependsOn...)
			return
		}
		byRef[c.Ref] = len(out.Components)
		c.DependsOn = slices.Clone(c.DependsOn)
		out.Components = append(out.Components, c)
	}
	origins := map[Origin]bool{}
	for _, d := range docs {
		art := d.Subject
		art.Properties = append(slices.Clone(art.Properties), d.Properties...)
		add(art)
		out.Subject.DependsOn = append(out.Subject.DependsOn, art.Ref)
		for _, c := range d.Components {
			add(c)
		}
		out.LicenseRefs = append(out.LicenseRefs, d.LicenseRefs...)
		out.Notes = append(out.Notes, d.Notes...)
		out.Incomplete = out.Incomplete || d.Incomplete
		origins[d.Origin] = true
		if out.Target == "" {
			out.Target = d.Target
		}
	}
	switch {
	case origins[OriginAuditable]:
		out.Origin = OriginAuditable
	case len(docs) > 0:
		out.Origin = docs[0].Origin
	}
	out.Normalize()
	return out
}

// ScopeRank orders scopes by how much of the artifact they reach: runtime, then build, then dev, then unknown.
func ScopeRank(s Scope) int {
	switch s {
	case ScopeRuntime:
		return 3
	case ScopeBuild:
		return 2
	case ScopeDev:
		return 1
	}
	return 0
}

// ScopedEdge is one dependency edge read from a document: from depends on to in the given scope.
type ScopedEdge[K comparable] struct {
	From, To K
	Scope    Scope
}

// PropagateScopes gives every node reachable from root the widest scope along any path from it: a path's scope is
// its narrowest edge, the root itself runtime. Readers use it for documents that state no dependency kind per package.
func PropagateScopes[K comparable](root K, edges []ScopedEdge[K]) map[K]Scope {
	scope := map[K]Scope{root: ScopeRuntime}
	for changed := true; changed; {
		changed = false
		for _, e := range edges {
			from, ok := scope[e.From]
			if !ok {
				continue
			}
			s := e.Scope
			if ScopeRank(from) < ScopeRank(s) {
				s = from
			}
			if ScopeRank(s) > ScopeRank(scope[e.To]) {
				scope[e.To] = s
				changed = true
			}
		}
	}
	return scope
}
