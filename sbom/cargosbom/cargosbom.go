// Package cargosbom reads cargo's SBOM precursor: the NAME.cargo-sbom.json that cargo writes next to each artifact
// it links when asked (-Z sbom, build.sbom = true), listing every unit of the build with its package id, enabled
// features and dependencies.
package cargosbom

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path"
	"slices"
	"strings"

	"github.com/ferroseal/ferroseal/internal/cargoname"
	"github.com/ferroseal/ferroseal/internal/cargosource"
	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/jsonstrict"
	"github.com/ferroseal/ferroseal/internal/limits"
	"github.com/ferroseal/ferroseal/sbom"
)

// Suffix ends the name of the SBOM precursor cargo writes next to each artifact it links (with the nightly
// `-Z sbom` and build.sbom = true): target/release/app has target/release/app.cargo-sbom.json.
const Suffix = ".cargo-sbom.json"

// MaxSize is the largest SBOM precursor read: a few hundred bytes per unit of the build.
const MaxSize int64 = 64 * limits.MiB

// ErrNone is returned by ReadFor when no precursor lies next to the artifact.
var ErrNone = errors.New("no cargo SBOM precursor")

// Precursor is cargo's SBOM precursor for one artifact (format version 1): every unit of the build that produced
// it (a crate's library, its build script, a proc-macro), each naming its dependencies by index and kind.
type Precursor struct {
	Version int `json:"version"`
	// Root is the index of the unit that produced the artifact.
	Root  int    `json:"root"`
	Units []Unit `json:"crates"`
	Rustc Rustc  `json:"rustc"`
	// Target is the target triple the artifact was built for.
	Target string `json:"target"`
}

// Unit is one unit of the build.
type Unit struct {
	// ID is the crate's package id spec, "registry+https://github.com/rust-lang/crates.io-index#serde@1.0.152" or
	// "path+file:///src/app#0.1.0"; a crate appears once per unit (library, build script), with the same ID.
	ID       string   `json:"id"`
	Kind     []string `json:"kind"`
	Features []string `json:"features"`
	Deps     []Dep    `json:"dependencies"`
}

// Dep is an edge of the unit graph.
type Dep struct {
	Index int `json:"index"`
	// Kind is normal, build or dev.
	Kind string `json:"kind"`
}

// Rustc is the compiler that built the artifact.
type Rustc struct {
	Version    string `json:"version"`
	CommitHash string `json:"commit_hash"`
	Host       string `json:"host"`
}

// Package is a crate of a precursor, its units merged.
type Package struct {
	Name    string
	Version string
	Source  sbom.Source
	// Build is true for a crate only needed to build the artifact: not reachable from the root through normal
	// dependencies alone (build scripts, proc-macros and what they use).
	Build bool
	// Kinds are the unit kinds seen for the crate (lib, bin, proc-macro, custom-build...), sorted.
	Kinds []string
	// Features are the features enabled, sorted.
	Features []string
	// Deps are indices into the packages, sorted, without the package itself.
	Deps []int
	Root bool
}

// maxDepth bounds the JSON's nesting: object, crates, crate, dependencies, dependency.
const maxDepth = 8

// ReadFor reads the precursor cargo wrote next to the artifact at path (PATH.cargo-sbom.json). It returns
// the precursor's path, and an error wrapping ErrNone when there is none.
func ReadFor(artifact string) (*Precursor, string, error) {
	p := artifact + Suffix
	if _, err := os.Lstat(p); errors.Is(err, fs.ErrNotExist) {
		return nil, p, fmt.Errorf("%s: %w", p, ErrNone)
	}
	data, err := inputfile.ReadAll(p, MaxSize)
	if err != nil {
		return nil, p, err
	}
	pre, err := Parse(data)
	if err != nil {
		return nil, p, fmt.Errorf("%s: %w", p, err)
	}
	return pre, p, nil
}

// Parse parses and validates a precursor: version 1, every index in range, every id a package id spec
// with a valid crate name and version, within the package and dependency limits.
func Parse(data []byte) (*Precursor, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, errors.New("cargo SBOM precursor: not a JSON object")
	}
	if err := jsonstrict.Check(data, jsonstrict.Options{MaxDepth: maxDepth, FoldCase: true}); err != nil {
		return nil, fmt.Errorf("cargo SBOM precursor: %v", err)
	}
	var p Precursor
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("cargo SBOM precursor: %v", err)
	}
	if p.Version != 1 {
		return nil, fmt.Errorf("cargo SBOM precursor: version %d, this ferroseal reads version 1", p.Version)
	}
	n := len(p.Units)
	if n == 0 || n > 2*limits.MaxPackages {
		return nil, fmt.Errorf("cargo SBOM precursor: %d units, want 1 to %d", n, 2*limits.MaxPackages)
	}
	if p.Root < 0 || p.Root >= n {
		return nil, fmt.Errorf("cargo SBOM precursor: root %d out of range [0, %d)", p.Root, n)
	}
	edges := 0
	for i, c := range p.Units {
		if _, _, _, err := ParsePackageIDSpec(c.ID); err != nil {
			return nil, fmt.Errorf("cargo SBOM precursor: unit %d: %v", i, err)
		}
		if len(c.Kind) > 16 || len(c.Features) > 10_000 {
			return nil, fmt.Errorf("cargo SBOM precursor: unit %d: too many kinds or features", i)
		}
		for _, s := range slices.Concat(c.Kind, c.Features) {
			if len(s) > 256 || strings.ContainsFunc(s, isControlOrSpace) || s == "" {
				return nil, fmt.Errorf("cargo SBOM precursor: unit %d: unusable kind or feature name %q", i, s)
			}
		}
		if edges += len(c.Deps); edges > limits.MaxDependencies {
			return nil, fmt.Errorf("cargo SBOM precursor: more than %d dependencies", limits.MaxDependencies)
		}
		for _, d := range c.Deps {
			if d.Index < 0 || d.Index >= n {
				return nil, fmt.Errorf("cargo SBOM precursor: unit %d: dependency index %d out of range [0, %d)", i, d.Index, n)
			}
			switch d.Kind {
			case "normal", "build", "dev":
			default:
				return nil, fmt.Errorf("cargo SBOM precursor: unit %d: unknown dependency kind %q", i, d.Kind)
			}
		}
	}
	for _, s := range []string{p.Target, p.Rustc.Version, p.Rustc.CommitHash, p.Rustc.Host} {
		if len(s) > 256 || strings.ContainsFunc(s, isControlOrSpace) {
			return nil, fmt.Errorf("cargo SBOM precursor: unusable target or compiler %q", s)
		}
	}
	return &p, nil
}

func isControlOrSpace(r rune) bool { return r < 0x21 || r == 0x7f || (r >= 0x80 && r < 0xa0) }

// Packages merges the units of each crate (a library and its build script share an id) and says which crates
// only serve the build: a crate is runtime when the root reaches it through normal dependencies alone, as
// cargo-auditable decides from the same data.
func (p *Precursor) Packages() []Package {
	index := make(map[string]int, len(p.Units))
	of := make([]int, len(p.Units)) // unit -> package
	var pkgs []Package
	for i, c := range p.Units {
		j, ok := index[c.ID]
		if !ok {
			name, version, src, _ := ParsePackageIDSpec(c.ID) // validated by Parse
			j = len(pkgs)
			index[c.ID] = j
			pkgs = append(pkgs, Package{Name: name, Version: version, Source: src, Build: true})
		}
		of[i] = j
		pkgs[j].Kinds = append(pkgs[j].Kinds, c.Kind...)
		pkgs[j].Features = append(pkgs[j].Features, c.Features...)
	}
	pkgs[of[p.Root]].Root = true
	// Runtime: reachable from the root unit through normal edges (a breadth-first walk, each unit once).
	seen := make([]bool, len(p.Units))
	queue := []int{p.Root}
	seen[p.Root] = true
	for len(queue) > 0 {
		u := queue[0]
		queue = queue[1:]
		pkgs[of[u]].Build = false
		for _, d := range p.Units[u].Deps {
			if d.Kind == "normal" && !seen[d.Index] {
				seen[d.Index] = true
				queue = append(queue, d.Index)
			}
		}
	}
	for i, c := range p.Units {
		for _, d := range c.Deps {
			if to := of[d.Index]; to != of[i] {
				pkgs[of[i]].Deps = append(pkgs[of[i]].Deps, to)
			}
		}
	}
	for i := range pkgs {
		pkgs[i].Kinds = sortedUnique(pkgs[i].Kinds)
		pkgs[i].Features = sortedUnique(pkgs[i].Features)
		slices.Sort(pkgs[i].Deps)
		pkgs[i].Deps = slices.Compact(pkgs[i].Deps)
	}
	return pkgs
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// ParsePackageIDSpec reads a fully qualified package id spec, as cargo writes them since Rust 1.77
// (KIND+URL#NAME@VERSION, or KIND+URL#VERSION when the URL's last path segment is the name), into the crate's
// name, version and source. Local paths (path+file://...) are never carried into the source.
func ParsePackageIDSpec(spec string) (name, version string, src sbom.Source, err error) {
	if len(spec) > 4096 || strings.ContainsFunc(spec, isControlOrSpace) {
		return "", "", src, errors.New("unusable package id")
	}
	loc, frag, ok := strings.Cut(spec, "#")
	if !ok || loc == "" {
		return "", "", src, errors.New("the package id names no source and version")
	}
	// Errors quote the part after #, never the URL (which may hold credentials).
	what := fmt.Sprintf("package id ending #%q", short(frag))
	if i := strings.LastIndexByte(frag, '@'); i >= 0 {
		name, version = frag[:i], frag[i+1:]
	} else {
		version = frag
	}
	kind, rawURL, hasKind := strings.Cut(loc, "+")
	if !hasKind {
		kind, rawURL = "registry", loc // a spec without a kind names a registry's index
	}
	if name == "" {
		u, perr := url.Parse(rawURL)
		if perr != nil {
			return "", "", src, fmt.Errorf("%s: its URL: %v", what, perr)
		}
		name = path.Base(strings.TrimSuffix(u.Path, "/"))
	}
	if err := cargoname.ValidName(name); err != nil {
		return "", "", src, fmt.Errorf("%s: %v", what, err)
	}
	if err := cargoname.ValidVersion(version); err != nil {
		return "", "", src, fmt.Errorf("%s: %v", what, err)
	}
	return name, version, cargosource.Parse(kind + "+" + rawURL), nil
}

func short(s string) string {
	if len(s) > 120 {
		return s[:120] + "..."
	}
	return s
}
