package cargo

import (
	"bytes"
	"github.com/BurntSushi/toml"
	"os"
	"path/filepath"
	"testing"

	"github.com/ferroseal/ferroseal/sbom"
)

func addSeeds(f *testing.F, pattern string) {
	files, err := filepath.Glob(pattern)
	if err != nil || len(files) == 0 {
		f.Fatalf("no seeds match %s", pattern)
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
}

// FuzzReadLockfile: any input is a lockfile or an error, never a panic; what parses gives a valid document.
func FuzzReadLockfile(f *testing.F) {
	addSeeds(f, "testdata/lock/*.lock")
	f.Fuzz(func(t *testing.T, data []byte) {
		lf, err := ReadLockfile(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, p := range lf.Packages {
			for _, d := range p.Dependencies {
				if d < 0 || d >= len(lf.Packages) {
					t.Fatalf("dependency index %d out of range", d)
				}
			}
		}
		doc, err := LockfileDocument(lf, LockfileOptions{})
		if err != nil {
			return
		}
		if err := doc.Validate(); err != nil {
			t.Fatalf("document from a parsed lockfile is invalid: %v", err)
		}
	})
}

// FuzzMetadataGraph builds cargo metadata from fuzzed bytes (package sources, target kinds, edges with their
// kinds, workspace members, duplicate ids) and checks that validation and document building either reject it or
// give valid documents, never a panic or a hang. It reaches graph shapes (duplicate ids, cycles, dangling members)
// that mutating JSON text rarely produces.
func FuzzMetadataGraph(f *testing.F) {
	f.Add([]byte{4, 0, 1, 0, 1, 2, 1, 2, 3, 2, 0, 3, 0}, uint8(3))
	f.Add([]byte{3, 0, 0, 1, 1, 1, 2, 2, 2, 0}, uint8(1))
	f.Add([]byte{2, 1, 0, 1, 0, 1, 0, 0, 1, 0}, uint8(255))
	sources := []*string{nil, ptr("registry+https://github.com/rust-lang/crates.io-index"), ptr("git+https://h/r?branch=x#abc"),
		ptr("sparse+https://r.example/"), ptr("path+file:///abs/p"), ptr("weird")}
	kinds := []*string{nil, ptr("build"), ptr("dev"), ptr("unknown")}
	targets := [][]string{{"lib"}, {"bin"}, {"proc-macro"}, {"cdylib"}}
	f.Fuzz(func(t *testing.T, data []byte, members uint8) {
		if len(data) == 0 {
			return
		}
		n := int(data[0]%16) + 1
		data = data[1:]
		next := func() int {
			if len(data) == 0 {
				return 0
			}
			b := data[0]
			data = data[1:]
			return int(b)
		}
		m := &Metadata{Version: 1, Resolve: &Resolve{}, WorkspaceRoot: "/abs/ws"}
		for i := 0; i < n; i++ {
			id := "id" + string(rune('a'+next()%(n+1))) // may repeat: duplicate ids must be rejected
			m.Packages = append(m.Packages, Package{
				ID: id, Name: "p" + string(rune('a'+i%3)), Version: "1.0." + string(rune('0'+i%2)),
				Source:  sources[next()%len(sources)],
				License: ptr("MIT/Apache-2.0"),
				Targets: []Target{{Name: "t", Kind: targets[next()%len(targets)]}},
			})
		}
		for i := range m.Packages {
			if members&(1<<(i%8)) != 0 {
				m.WorkspaceMembers = append(m.WorkspaceMembers, m.Packages[i].ID)
			}
			node := Node{ID: m.Packages[i].ID}
			for e := next() % 4; e > 0; e-- {
				to := m.Packages[next()%n].ID
				node.Deps = append(node.Deps, NodeDep{Name: "d", Pkg: to, DepKinds: []DepKind{{Kind: kinds[next()%len(kinds)]}}})
			}
			m.Resolve.Nodes = append(m.Resolve.Nodes, node)
		}
		if err := m.index(); err != nil {
			return
		}
		for _, opts := range []Options{{Workspace: true, IncludeDev: true}, {}, {IncludeDev: true, Package: "pa"}} {
			docs, err := Documents(m, opts)
			if err != nil {
				continue
			}
			for _, d := range docs {
				if err := d.Validate(); err != nil {
					t.Fatalf("document from valid metadata is invalid: %v", err)
				}
				for _, c := range d.Components {
					if c.Scope == sbom.ScopeUnknown {
						t.Fatalf("component %s of a metadata document has no scope", c.Ref)
					}
				}
			}
		}
	})
}

func ptr(s string) *string { return &s }

// FuzzReadMetadata: any text is metadata or an error, never a panic; what parses gives valid documents.
func FuzzReadMetadata(f *testing.F) {
	addSeeds(f, "testdata/metadata/*.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		md, err := ReadMetadata(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, opts := range []Options{{Workspace: true, IncludeDev: true}, {}} {
			docs, err := Documents(md, opts)
			if err != nil {
				continue
			}
			for _, d := range docs {
				if err := d.Validate(); err != nil {
					t.Fatalf("document from parsed metadata is invalid: %v", err)
				}
			}
		}
	})
}

// FuzzTOMLDepth: the depth check never counts less nesting than the TOML decoder builds. Wherever the decoder
// reads a document to values nested deeper than the bound, the check has refused it first.
func FuzzTOMLDepth(f *testing.F) {
	addSeeds(f, "testdata/lock/*.lock")
	f.Add([]byte("a = [[1], {b = [2, {c = 3}]}]\n"))
	f.Add([]byte("a = \"\"\"\n[[[\"\"\"\nb = [[[[1]]]]\n"))
	f.Add([]byte("[x.'y[z'.\"w]\"]\nk = [ # [[[\n 1 ]\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > 1<<16 {
			return
		}
		const bound = 4
		if checkTOMLDepth(data, bound) != nil {
			return
		}
		var v any
		if _, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&v); err != nil {
			return
		}
		// Table headers make nested tables without brackets in values: count value nesting only.
		if d := valueDepth(v, false); d > bound {
			t.Fatalf("accepted %q, which decodes %d levels deep", data, d)
		}
	})
}

// valueDepth is how deeply arrays and inline tables nest in a decoded value; tables reached through headers count
// nothing (inValue false).
func valueDepth(v any, inValue bool) int {
	own := 0
	if inValue {
		own = 1
	}
	best := 0
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			best = max(best, valueDepth(e, inValue))
		}
		return best + own
	case []map[string]any:
		for _, e := range x {
			best = max(best, valueDepth(e, inValue))
		}
		return best + own
	case []any:
		for _, e := range x {
			best = max(best, valueDepth(e, true))
		}
		return best + 1
	}
	return 0
}
