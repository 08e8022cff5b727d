package binary

import (
	"cmp"
	"fmt"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/cargosbom"
)

// PrecursorDocument builds the document of a binary from cargo's SBOM precursor for it (NAME.cargo-sbom.json,
// written by cargo -Z sbom next to the binary): every crate of the build with its source as cargo recorded it
// (registry and git URLs included; local paths never), runtime or build, its enabled features, and the graph.
func PrecursorDocument(pre *cargosbom.Precursor, art Artifact, created time.Time) *sbom.Document {
	doc := artifactDocument(art, created, sbom.OriginCargoSBOM)
	if pre.Target != "" {
		doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropTargetTriple, Value: pre.Target})
	}
	pkgs := pre.Packages()
	nodes := make([]crateNode, len(pkgs))
	for i, p := range pkgs {
		n := crateNode{name: p.Name, version: p.Version, source: p.Source, build: p.Build, deps: p.Deps, root: p.Root}
		if len(p.Features) > 0 {
			n.props = append(n.props, sbom.Property{Name: sbom.PropFeatures, Value: strings.Join(p.Features, ",")})
		}
		if slices.Contains(p.Kinds, "proc-macro") {
			n.props = append(n.props, sbom.Property{Name: sbom.PropCrateKind, Value: "proc-macro"})
		}
		nodes[i] = n
	}
	g := newGraphBuilder(doc)
	g.add(nodes)
	g.finish()
	doc.Normalize()
	return doc
}

// precursorRustc is the compiler a precursor names, as `rustc -V` prints it.
func precursorRustc(pre *cargosbom.Precursor) string {
	if pre.Rustc.Version == "" {
		return ""
	}
	s := "rustc " + pre.Rustc.Version
	if h := pre.Rustc.CommitHash; len(h) >= 9 {
		s += " (" + h[:9] + ")"
	}
	return s
}

// withPrecursor decides between the embedded data and cargo's precursor for one binary. The embedded data is
// what shipped: the precursor is preferred (it knows more: registry and git URLs, features) only when it agrees
// with it, crate for crate (name, version, kind of source, runtime or build), root, compiler and architecture;
// otherwise the embedded data is used and the differences reported. A binary without embedded data is described
// by the precursor alone, and its document says that nothing in the binary confirms it.
func withPrecursor(res *Result, pre *cargosbom.Precursor, prePath string, art Artifact, created time.Time) {
	name := filepath.Base(prePath)
	res.Precursor = prePath
	if res.File == nil {
		doc := PrecursorDocument(pre, art, created)
		if rv := precursorRustc(pre); rv != "" {
			doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropRustc, Value: rv})
		}
		doc.Notes = append(doc.Notes, fmt.Sprintf("Read from cargo's SBOM precursor (%s) found next to the binary: the binary embeds no dependency data to confirm it.", name))
		doc.Normalize()
		res.Doc = doc
		return
	}
	pdoc := PrecursorDocument(pre, art, created)
	if diffs := precursorDiffs(res.File, res.Doc, pdoc, pre); len(diffs) > 0 {
		res.PrecursorConflicts = diffs
		res.Doc.Notes = append(res.Doc.Notes, fmt.Sprintf("cargo's SBOM precursor (%s) next to the binary disagrees with the data the binary embeds (%s): the embedded data is used.",
			name, strings.Join(diffs[:min(len(diffs), 3)], "; ")))
		res.Doc.Normalize()
		return
	}
	addFileProperties(pdoc, res.File)
	pdoc.Notes = append(pdoc.Notes, fmt.Sprintf("Read from cargo's SBOM precursor (%s), which agrees with the cargo-auditable data the binary embeds.", name))
	pdoc.Normalize()
	res.Doc = pdoc
}

// maxDiffs bounds the differences reported between a precursor and the embedded data.
const maxDiffs = 20

// precursorDiffs lists how the precursor's document differs from the embedded data's: crates (compared by name,
// version, kind of source and, when the embedded data records them reliably, scope), root, compiler, architecture.
func precursorDiffs(f *auditable.File, emb, pre *sbom.Document, p *cargosbom.Precursor) []string {
	var diffs []string
	scopes := true
	for _, s := range f.Slices {
		scopes = scopes && !s.Payload.ProcMacroKindsUnreliable()
	}
	type key struct {
		name, version string
		source        sbom.SourceKind
		scope         sbom.Scope
	}
	set := func(d *sbom.Document) map[key]bool {
		m := map[key]bool{}
		for _, c := range d.Components {
			k := key{c.Name, c.Version, c.Source.Kind, c.Scope}
			if !scopes {
				k.scope = ""
			}
			m[k] = true
		}
		return m
	}
	show := func(k key) string {
		s := fmt.Sprintf("%s %s (%s", k.name, k.version, k.source)
		if k.scope != "" {
			s += ", " + string(k.scope)
		}
		return s + ")"
	}
	a, b := set(emb), set(pre)
	var only []string
	for k := range a {
		if !b[k] {
			only = append(only, "the binary has "+show(k))
		}
	}
	for k := range b {
		if !a[k] {
			only = append(only, "the precursor has "+show(k))
		}
	}
	slices.SortFunc(only, func(x, y string) int { return cmp.Compare(x, y) })
	diffs = append(diffs, only...)
	roots := func(d *sbom.Document) string {
		var names []string
		for _, r := range d.Subject.DependsOn {
			if c := d.Component(r); c != nil {
				names = append(names, c.Name+" "+c.Version)
			}
		}
		slices.Sort(names)
		return strings.Join(names, ", ")
	}
	if ra, rb := roots(emb), roots(pre); ra != rb && len(only) == 0 {
		diffs = append(diffs, fmt.Sprintf("the binary's root is %s, the precursor's %s", ra, rb))
	}
	for _, s := range f.Slices {
		if v := compilerVersion(s.Compiler); v != "" && p.Rustc.Version != "" && v != p.Rustc.Version {
			diffs = append(diffs, fmt.Sprintf("the binary was built by %s, the precursor names rustc %s", s.Compiler, p.Rustc.Version))
		}
		if s.Arch != "" && p.Target != "" && !sameArch(s.Arch, p.Target) {
			diffs = append(diffs, fmt.Sprintf("the binary is %s, the precursor's target %s", s.Arch, p.Target))
		}
	}
	if len(diffs) > maxDiffs {
		diffs = append(diffs[:maxDiffs], fmt.Sprintf("and %d more differences", len(diffs)-maxDiffs))
	}
	return diffs
}

// compilerVersion takes the version out of a .comment line, "rustc version 1.95.0 (59807616e 2026-04-14)".
func compilerVersion(comment string) string {
	rest, ok := strings.CutPrefix(comment, "rustc version ")
	if !ok {
		return ""
	}
	v, _, _ := strings.Cut(rest, " ")
	return v
}

// sameArch reports whether an architecture as ferroseal names it (x86_64, x86, aarch64, arm, riscv64, ...) can be
// the one of a target triple (x86_64-unknown-linux-gnu, i686-pc-windows-msvc, armv7-unknown-linux-gnueabihf...).
func sameArch(arch, triple string) bool {
	t, _, _ := strings.Cut(triple, "-")
	switch {
	case arch == "x86":
		return len(t) == 4 && t[0] == 'i' && strings.HasSuffix(t, "86")
	case arch == "arm":
		return strings.HasPrefix(t, "arm") && !strings.HasPrefix(t, "arm64") || strings.HasPrefix(t, "thumb")
	case arch == "aarch64":
		return strings.HasPrefix(t, "aarch64") || strings.HasPrefix(t, "arm64")
	}
	return strings.HasPrefix(t, arch)
}
