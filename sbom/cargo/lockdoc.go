package cargo

import (
	"fmt"
	"slices"
	"time"

	"github.com/ferroseal/ferroseal/sbom"
)

// LockfileOptions choose what a document built from a Cargo.lock alone holds.
type LockfileOptions struct {
	// Name names the document's subject when the lockfile has more than one root crate; "" means "workspace".
	Name    string
	Created time.Time
}

// LockfileNote is the note every document built from a Cargo.lock alone carries.
const LockfileNote = "Built from Cargo.lock alone: it records no dependency kinds, so scopes are unknown, and it " +
	"includes dev-dependencies and the dependencies of every target platform."

// LockfileDocument builds a document from a Cargo.lock alone: every package with its version, source, checksum and
// dependencies. The subject is the one local crate nothing depends on, or a workspace that depends on every such
// crate. Scopes are unknown, which the document says.
func LockfileDocument(lf *Lockfile, opts LockfileOptions) (*sbom.Document, error) {
	doc := &sbom.Document{Created: opts.Created, AllTargets: true, Origin: sbom.OriginLockfile, Notes: []string{LockfileNote}}
	refs := make([]string, len(lf.Packages))
	used := map[string]bool{}
	for i, p := range lf.Packages {
		ref := sbom.CrateRef(p.Name, p.Version, ParseSource(p.Source))
		base := ref
		for n := 2; used[ref]; n++ {
			ref = fmt.Sprintf("%s#%d", base, n)
		}
		used[ref] = true
		refs[i] = ref
	}
	depended := make([]bool, len(lf.Packages))
	for _, p := range lf.Packages {
		for _, d := range p.Dependencies {
			depended[d] = true
		}
	}
	var roots []int
	for i, p := range lf.Packages {
		if p.Source == "" && !depended[i] {
			roots = append(roots, i)
		}
	}
	for i, p := range lf.Packages {
		c := sbom.Component{
			Ref:     refs[i],
			Type:    sbom.TypeLibrary,
			Name:    p.Name,
			Version: p.Version,
			Source:  ParseSource(p.Source),
		}
		if p.Checksum != "" {
			c.Hashes = []sbom.Hash{{Algorithm: sbom.SHA256, Value: p.Checksum}}
		}
		for _, d := range p.Dependencies {
			c.DependsOn = append(c.DependsOn, refs[d])
		}
		if len(roots) == 1 && roots[0] == i {
			c.Type = sbom.TypeApplication
			doc.Subject = c
			continue
		}
		doc.Components = append(doc.Components, c)
	}
	if len(roots) != 1 {
		name := opts.Name
		if name == "" {
			name = "workspace"
		}
		doc.Subject = sbom.Component{Ref: "workspace:" + name, Type: sbom.TypeApplication, Name: name, Source: sbom.Source{Kind: sbom.SourcePath}, NoPURL: true}
		for _, r := range roots {
			doc.Subject.DependsOn = append(doc.Subject.DependsOn, refs[r])
		}
		slices.Sort(doc.Subject.DependsOn)
	}
	doc.Normalize()
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	return doc, nil
}
