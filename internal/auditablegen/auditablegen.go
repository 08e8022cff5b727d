// Package auditablegen writes cargo-auditable payloads from cargo metadata, the way cargo-auditable does: the
// crates one workspace member's build compiles, each marked runtime or build, dev-dependencies left out. It exists
// to build test fixtures and the examples' binaries where cargo-auditable itself cannot be installed; ferroseal
// only ever reads payloads.
package auditablegen

import (
	"bytes"
	"cmp"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/cargo"
)

// Options choose the payload's shape.
type Options struct {
	// Root names the workspace member whose build the payload describes.
	Root string
	// Format is the payload's format number; with Format 0 proc-macros and their dependencies are marked runtime,
	// as cargo-auditable did before format 1. OmitFormat leaves the field out.
	Format     int
	OmitFormat bool
}

// FromMetadata returns the payload of the member opts.Root.
func FromMetadata(m *cargo.Metadata, opts Options) (*auditable.Payload, error) {
	nodes := map[string]*cargo.Node{}
	for i := range m.Resolve.Nodes {
		nodes[m.Resolve.Nodes[i].ID] = &m.Resolve.Nodes[i]
	}
	root := ""
	for _, id := range m.WorkspaceMembers {
		if m.Package(id).Name == opts.Root {
			root = id
		}
	}
	if root == "" {
		return nil, fmt.Errorf("no workspace member %q", opts.Root)
	}
	// kind: true = runtime, false = build; runtime wins.
	kind := map[string]bool{root: true}
	work := []string{root}
	for len(work) > 0 {
		id := work[len(work)-1]
		work = work[:len(work)-1]
		for _, d := range nodes[id].Deps {
			normal, build := false, false
			for _, k := range d.DepKinds {
				switch cargo.Str(k.Kind) {
				case "":
					normal = true
				case "build":
					build = true
				}
			}
			if len(d.DepKinds) == 0 {
				normal = true
			}
			if !normal && !build {
				continue // dev-only
			}
			rt := normal && kind[id]
			if rt && opts.Format >= auditable.Format1 && m.Package(d.Pkg).IsProcMacro() {
				rt = false
			}
			prev, seen := kind[d.Pkg]
			if !seen || (rt && !prev) {
				kind[d.Pkg] = rt
				work = append(work, d.Pkg)
			}
		}
	}
	ids := make([]string, 0, len(kind))
	for id := range kind {
		ids = append(ids, id)
	}
	source := func(id string) string {
		switch s := cargo.ParseSource(cargo.Str(m.Package(id).Source)); s.Kind {
		case "crates.io":
			return "crates.io"
		case "git":
			return "git"
		case "local":
			return "local"
		default:
			return "registry"
		}
	}
	slices.SortFunc(ids, func(a, b string) int {
		pa, pb := m.Package(a), m.Package(b)
		return cmp.Or(cmp.Compare(pa.Name, pb.Name), cmp.Compare(pa.Version, pb.Version), cmp.Compare(source(a), source(b)))
	})
	index := map[string]int{}
	for i, id := range ids {
		index[id] = i
	}
	p := &auditable.Payload{}
	if !opts.OmitFormat {
		p.Format = opts.Format
	}
	for _, id := range ids {
		pkg := m.Package(id)
		ap := auditable.Package{Name: pkg.Name, Version: pkg.Version, Source: source(id), Root: id == root}
		if !kind[id] {
			ap.Kind = "build"
		}
		for _, d := range nodes[id].Deps {
			j, in := index[d.Pkg]
			if !in {
				continue
			}
			devOnly := len(d.DepKinds) > 0
			for _, k := range d.DepKinds {
				if cargo.Str(k.Kind) != "dev" {
					devOnly = false
				}
			}
			if !devOnly {
				ap.Dependencies = append(ap.Dependencies, j)
			}
		}
		slices.Sort(ap.Dependencies)
		ap.Dependencies = slices.Compact(ap.Dependencies)
		p.Packages = append(p.Packages, ap)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Encode returns the payload's JSON (as cargo-auditable writes it: compact, format first when present) and its
// zlib stream.
func Encode(p *auditable.Payload, omitFormat bool) (jsonData, zlibData []byte, err error) {
	type out struct {
		Format   *int                `json:"format,omitempty"`
		Packages []auditable.Package `json:"packages"`
	}
	o := out{Packages: p.Packages}
	if !omitFormat {
		f := p.Format
		o.Format = &f
	}
	jsonData, err = json.Marshal(o)
	if err != nil {
		return nil, nil, err
	}
	var buf bytes.Buffer
	zw, err := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	if err != nil {
		return nil, nil, err
	}
	if _, err := zw.Write(jsonData); err != nil {
		return nil, nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, nil, err
	}
	return jsonData, buf.Bytes(), nil
}
