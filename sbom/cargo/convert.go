package cargo

import (
	"errors"
	"fmt"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/ferroseal/ferroseal/sbom"
)

// Errors of document building.
var (
	// ErrNoSuchMember is returned when Options.Package names no workspace member.
	ErrNoSuchMember = errors.New("no such workspace member")
	// ErrNoArtifact is returned when no workspace member builds an artifact and none was chosen.
	ErrNoArtifact = errors.New("no workspace member builds an artifact")
)

// Options choose what the documents built from cargo metadata hold. The zero value gives one document per
// artifact-producing member, without dev-dependencies.
type Options struct {
	// Package selects one workspace member by name, whatever it builds.
	Package string
	// Workspace makes one document for the whole workspace instead of one per member.
	Workspace bool
	// IncludeDev includes dev-dependencies (of the described members only), with scope dev.
	IncludeDev bool
	// Target is the target triple the metadata was resolved for, when known.
	Target string
	// AllTargets says the metadata was resolved for every platform.
	AllTargets bool
	// Lockfile supplies the crates' SHA-256 checksums; nil gives none.
	Lockfile *Lockfile
	// Created is the documents' creation time.
	Created time.Time
}

// Documents builds SBOM documents from cargo metadata: one per workspace member that builds an executable, cdylib,
// staticlib or dylib, or the one member Options.Package names, or one for the whole workspace.
//
// Scopes follow what the build does: a crate reached through normal dependencies of the described member is
// runtime; build-dependencies, proc-macro crates and everything they pull in are build (a crate needed both ways is
// runtime); dev-dependencies of the described member and what they pull in are dev, left out unless
// Options.IncludeDev.
func Documents(m *Metadata, opts Options) ([]*sbom.Document, error) {
	b := newBuilder(m, opts)
	var roots [][]string // member ids per document
	switch {
	case opts.Workspace:
		roots = [][]string{slices.Clone(m.WorkspaceMembers)}
	case opts.Package != "":
		var names []string
		for _, id := range m.WorkspaceMembers {
			p := m.Package(id)
			names = append(names, p.Name)
			if p.Name == opts.Package {
				roots = append(roots, []string{id})
			}
		}
		if len(roots) == 0 {
			slices.Sort(names)
			return nil, fmt.Errorf("%w %q (members: %s)", ErrNoSuchMember, opts.Package, strings.Join(names, ", "))
		}
	default:
		for _, id := range m.WorkspaceMembers {
			if m.Package(id).ProducesArtifact() {
				roots = append(roots, []string{id})
			}
		}
		if len(roots) == 0 {
			return nil, fmt.Errorf("%w (binary, cdylib, staticlib): choose a member with --package, or describe the whole workspace with --workspace", ErrNoArtifact)
		}
	}
	var docs []*sbom.Document
	for _, r := range roots {
		d, err := b.document(r, opts.Workspace)
		if err != nil {
			return nil, err
		}
		docs = append(docs, d)
	}
	slices.SortFunc(docs, func(a, b *sbom.Document) int { return strings.Compare(a.Subject.Name, b.Subject.Name) })
	return docs, nil
}

type builder struct {
	m     *Metadata
	opts  Options
	nodes map[string]*Node
	refs  map[string]string // package id -> component ref
	sums  map[[3]string]string
}

func newBuilder(m *Metadata, opts Options) *builder {
	b := &builder{m: m, opts: opts, nodes: map[string]*Node{}, refs: map[string]string{}, sums: map[[3]string]string{}}
	for i := range m.Resolve.Nodes {
		b.nodes[m.Resolve.Nodes[i].ID] = &m.Resolve.Nodes[i]
	}
	if opts.Lockfile != nil {
		for _, p := range opts.Lockfile.Packages {
			if p.Checksum != "" {
				b.sums[[3]string{p.Name, p.Version, p.Source}] = p.Checksum
			}
		}
	}
	// Refs are assigned over every package in a fixed order, so they do not depend on which document is built.
	used := map[string]bool{}
	ids := make([]string, 0, len(m.Packages))
	for _, p := range m.Packages {
		ids = append(ids, p.ID)
	}
	slices.Sort(ids)
	for _, id := range ids {
		p := m.Package(id)
		ref := sbom.CrateRef(p.Name, p.Version, ParseSource(Str(p.Source)))
		for n := 2; used[ref]; n++ {
			ref = fmt.Sprintf("%s#%d", sbom.CrateRef(p.Name, p.Version, ParseSource(Str(p.Source))), n)
		}
		used[ref] = true
		b.refs[id] = ref
	}
	return b
}

func better(a, b sbom.Scope) bool { return sbom.ScopeRank(a) > sbom.ScopeRank(b) }

// edgeScope is the scope a dependency gets through one edge from a package of scope from.
func (b *builder) edgeScope(from sbom.Scope, fromRoot bool, d NodeDep) sbom.Scope {
	kinds := d.DepKinds
	if len(kinds) == 0 { // cargo before 1.41 wrote no dep_kinds
		kinds = []DepKind{{}}
	}
	best := sbom.ScopeUnknown
	for _, k := range kinds {
		var s sbom.Scope
		switch Str(k.Kind) {
		case "":
			s = from
			if b.m.Package(d.Pkg).IsProcMacro() && from == sbom.ScopeRuntime {
				s = sbom.ScopeBuild
			}
		case "build":
			s = sbom.ScopeBuild
			if from == sbom.ScopeDev {
				s = sbom.ScopeDev
			}
		case "dev":
			// Only the described members' own dev-dependencies are built (for their tests).
			if fromRoot && b.opts.IncludeDev {
				s = sbom.ScopeDev
			}
		}
		if better(s, best) {
			best = s
		}
	}
	return best
}

func (b *builder) document(roots []string, workspace bool) (*sbom.Document, error) {
	isRoot := map[string]bool{}
	for _, r := range roots {
		isRoot[r] = true
	}
	scope := map[string]sbom.Scope{}
	work := slices.Clone(roots)
	for _, r := range roots {
		scope[r] = sbom.ScopeRuntime
		if workspace && b.m.Package(r).IsProcMacro() {
			scope[r] = sbom.ScopeBuild // a proc-macro member runs in the compiler
		}
	}
	for len(work) > 0 {
		id := work[len(work)-1]
		work = work[:len(work)-1]
		n := b.nodes[id]
		if n == nil {
			continue
		}
		for _, d := range n.Deps {
			s := b.edgeScope(scope[id], isRoot[id], d)
			if s == sbom.ScopeUnknown {
				continue
			}
			if better(s, scope[d.Pkg]) {
				scope[d.Pkg] = s
				work = append(work, d.Pkg)
			}
		}
	}

	doc := &sbom.Document{
		Created:    b.opts.Created,
		Target:     b.opts.Target,
		AllTargets: b.opts.AllTargets,
		Origin:     sbom.OriginMetadata,
	}
	refs := map[string]bool{}
	for id := range scope {
		refs[b.refs[id]] = true
	}
	edges := func(id string) []string {
		var out []string
		n := b.nodes[id]
		if n == nil {
			return nil
		}
		for _, d := range n.Deps {
			if _, in := scope[d.Pkg]; !in {
				continue
			}
			if b.edgeScope(scope[id], isRoot[id], d) == sbom.ScopeUnknown {
				continue // a dev edge left out, or a dependency not built for this document
			}
			out = append(out, b.refs[d.Pkg])
		}
		return out
	}
	for id, s := range scope {
		c, ref := b.component(id)
		if ref != nil {
			doc.LicenseRefs = append(doc.LicenseRefs, *ref)
		}
		c.Scope = s
		c.DependsOn = edges(id)
		if !workspace && isRoot[id] {
			c.Scope = sbom.ScopeUnknown
			if b.m.Package(id).HasBinary() {
				c.Type = sbom.TypeApplication
			}
			doc.Subject = c
			continue
		}
		doc.Components = append(doc.Components, c)
	}
	if workspace {
		name, version := b.workspaceName()
		doc.Subject = sbom.Component{
			Ref:     "workspace:" + name,
			Type:    sbom.TypeApplication,
			Name:    name,
			Version: version,
			Source:  sbom.Source{Kind: sbom.SourcePath},
			NoPURL:  true,
		}
		for _, r := range roots {
			doc.Subject.DependsOn = append(doc.Subject.DependsOn, b.refs[r])
		}
	}
	if !b.opts.IncludeDev {
		doc.Notes = append(doc.Notes, "Dev-dependencies are not included.")
	}
	if len(b.m.WorkspaceMembers) > 1 && !workspace {
		doc.Notes = append(doc.Notes, "Features are those cargo metadata resolved for the whole workspace; building one member alone may enable fewer.")
	}
	doc.Normalize()
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	return doc, nil
}

// workspaceName names a workspace after its root package, or after its folder for a virtual workspace.
func (b *builder) workspaceName() (string, string) {
	if r := b.m.Resolve.Root; r != nil {
		if p := b.m.Package(*r); p != nil {
			return p.Name, p.Version
		}
	}
	base := path.Base(strings.ReplaceAll(b.m.WorkspaceRoot, `\`, "/"))
	if base == "" || base == "." || base == "/" {
		base = "workspace"
	}
	return base, ""
}

// component turns one package into a component, with its license reference when it needs one.
func (b *builder) component(id string) (sbom.Component, *sbom.LicenseRef) {
	p := b.m.Package(id)
	src := ParseSource(Str(p.Source))
	c := sbom.Component{
		Ref:           b.refs[id],
		Type:          sbom.TypeLibrary,
		Name:          p.Name,
		Version:       p.Version,
		Source:        src,
		Description:   cleanText(Str(p.Description)),
		Authors:       p.Authors,
		Homepage:      webURL(Str(p.Homepage)),
		Repository:    webURL(Str(p.Repository)),
		Documentation: webURL(Str(p.Documentation)),
	}
	if sum := b.sums[[3]string{p.Name, p.Version, Str(p.Source)}]; sum != "" {
		c.Hashes = []sbom.Hash{{Algorithm: sbom.SHA256, Value: sum}}
	}
	expr, ref := sbom.CargoLicense(p.Name, p.Version, Str(p.License), Str(p.LicenseFile))
	c.License = expr
	if p.IsProcMacro() {
		c.Properties = append(c.Properties, sbom.Property{Name: sbom.PropCrateKind, Value: "proc-macro"})
	}
	return c, ref
}

// cleanText folds whitespace runs (manifests often wrap descriptions) into single spaces.
func cleanText(s string) string { return strings.Join(strings.Fields(s), " ") }

// webURL keeps a manifest URL only when it is an absolute http(s) or git URL: anything else (a relative path, a
// typo) would make the document invalid or leak a local path.
func webURL(s string) string {
	s = strings.TrimSpace(s)
	u, err := url.Parse(s)
	if err != nil || u.Host == "" {
		return ""
	}
	switch u.Scheme {
	case "http", "https", "git", "ssh":
		u.User = nil
		return u.String()
	}
	return ""
}
