package auditable

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"unicode"

	"github.com/ferroseal/ferroseal/internal/cargoname"
	"github.com/ferroseal/ferroseal/internal/jsonstrict"
	"github.com/ferroseal/ferroseal/internal/limits"
)

// Payload is the JSON that cargo-auditable embeds.
type Payload struct {
	// Format is the payload's format number as recorded (0 when absent); see [Payload.EffectiveFormat].
	Format int `json:"format,omitempty"`
	// Packages are the crates, each naming its dependencies by index into this list.
	Packages []Package `json:"packages"`
	// Legacy is true for data read from a pre-2022 section (whose packages have features and no root).
	Legacy bool `json:"-"`
}

// Package is one crate of a payload.
type Package struct {
	Name    string `json:"name"`
	Version string `json:"version"`
	// Source is crates.io, git, local, registry, or another registry's label (such as sparse).
	Source string `json:"source"`
	// Kind is runtime or build; empty means runtime.
	Kind string `json:"kind,omitempty"`
	// Dependencies are indices into Payload.Packages.
	Dependencies []int `json:"dependencies,omitempty"`
	Root         bool  `json:"root,omitempty"`
}

// Payload formats.
const (
	// Format0: proc-macros and their dependencies may be wrongly marked runtime.
	Format0 = 0
	// Format1: proc-macros and their dependencies are marked build.
	Format1 = 1
	// Format8: written from cargo's nightly SBOM precursor.
	Format8 = 8
)

// EffectiveFormat maps the recorded format to a known one: an unknown format N is read as the highest known format
// below N.
func (p *Payload) EffectiveFormat() int {
	switch {
	case p.Format >= Format8:
		return Format8
	case p.Format >= Format1:
		return Format1
	}
	return Format0
}

// ProcMacroKindsUnreliable reports whether build-only proc-macro crates may be marked runtime (format 0).
func (p *Payload) ProcMacroKindsUnreliable() bool { return p.EffectiveFormat() == Format0 }

// Root returns the index of the root package, or -1 when the payload marks none (old payloads).
func (p *Payload) Root() int {
	for i, pkg := range p.Packages {
		if pkg.Root {
			return i
		}
	}
	return -1
}

// maxPayloadDepth bounds the nesting of the payload's JSON: the object, its packages list, a package, its
// dependencies list.
const maxPayloadDepth = 8

// ParsePayload parses and validates payload JSON: a JSON object with a packages list, each package named and
// versioned, of a known kind, with every dependency index in range, at most one root, and no dependency cycle.
func ParsePayload(data []byte) (*Payload, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, fmt.Errorf("%w: JSON: the payload is not a JSON object", ErrInvalidData)
	}
	// A member named twice (or twice but for case, which encoding/json reads as one) would show one list of crates
	// to ferroseal and another to serde-based readers: refuse it, as they do.
	if err := jsonstrict.Check(data, jsonstrict.Options{MaxDepth: maxPayloadDepth, FoldCase: true}); err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", ErrInvalidData, err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	var raw struct {
		Format   *int      `json:"format"`
		Packages []Package `json:"packages"`
	}
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: JSON: %v", ErrInvalidData, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON object", ErrInvalidData)
	}
	if raw.Packages == nil {
		return nil, fmt.Errorf("%w: no packages list", ErrInvalidData)
	}
	p := &Payload{Packages: raw.Packages}
	if raw.Format != nil {
		if *raw.Format < 0 {
			return nil, fmt.Errorf("%w: negative format %d", ErrInvalidData, *raw.Format)
		}
		p.Format = *raw.Format
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	return p, nil
}

// Validate checks the payload's integrity; ParsePayload calls it.
func (p *Payload) Validate() error {
	n := len(p.Packages)
	if n > limits.MaxPackages {
		return fmt.Errorf("%w: %d packages, more than %d", ErrInvalidData, n, limits.MaxPackages)
	}
	roots, edges := 0, 0
	type key struct{ name, version, source string }
	seen := make(map[key]int, n)
	for i := range p.Packages {
		pkg := &p.Packages[i]
		if err := cargoname.ValidName(pkg.Name); err != nil {
			return fmt.Errorf("%w: package %d: %v", ErrInvalidData, i, err)
		}
		if err := cargoname.ValidVersion(pkg.Version); err != nil {
			return fmt.Errorf("%w: package %d (%s): %v", ErrInvalidData, i, pkg.Name, err)
		}
		if len(pkg.Source) > 256 || strings.ContainsFunc(pkg.Source, unicode.IsControl) {
			return fmt.Errorf("%w: package %d (%s): unusable source", ErrInvalidData, i, pkg.Name)
		}
		switch pkg.Kind {
		case "", "runtime", "build":
		default:
			return fmt.Errorf("%w: package %d (%s): unknown kind %q", ErrInvalidData, i, pkg.Name, pkg.Kind)
		}
		k := key{pkg.Name, pkg.Version, pkg.Source}
		if j, dup := seen[k]; dup {
			return fmt.Errorf("%w: packages %d and %d are both %s %s (%s)", ErrInvalidData, j, i, pkg.Name, pkg.Version, pkg.Source)
		}
		seen[k] = i
		if pkg.Root {
			roots++
		}
		edges += len(pkg.Dependencies)
		if edges > limits.MaxDependencies {
			return fmt.Errorf("%w: more than %d dependencies", ErrInvalidData, limits.MaxDependencies)
		}
		for _, d := range pkg.Dependencies {
			if d < 0 || d >= n {
				return fmt.Errorf("%w: package %d (%s): dependency index %d out of range [0, %d)", ErrInvalidData, i, pkg.Name, d, n)
			}
		}
	}
	if roots > 1 {
		return fmt.Errorf("%w: %d packages are marked root, at most one may be", ErrInvalidData, roots)
	}
	if c := p.cycle(); c != "" {
		return fmt.Errorf("%w: dependency cycle %s", ErrInvalidData, c)
	}
	return nil
}

// cycle returns a description of a dependency cycle, or "". It walks iteratively, so deep graphs cannot exhaust
// the stack.
func (p *Payload) cycle() string {
	const (
		white = iota
		grey
		black
	)
	color := make([]uint8, len(p.Packages))
	type frame struct{ node, next int }
	path := func(stack []frame, from int) string {
		var names []string
		for i := len(stack) - 1; i >= 0; i-- {
			names = append(names, p.Packages[stack[i].node].Name)
			if stack[i].node == from {
				break
			}
		}
		slices.Reverse(names)
		return strings.Join(append(names, p.Packages[from].Name), " -> ")
	}
	for start := range p.Packages {
		if color[start] != white {
			continue
		}
		stack := []frame{{start, 0}}
		color[start] = grey
		for len(stack) > 0 {
			top := &stack[len(stack)-1]
			deps := p.Packages[top.node].Dependencies
			if top.next == len(deps) {
				color[top.node] = black
				stack = stack[:len(stack)-1]
				continue
			}
			d := deps[top.next]
			top.next++
			switch color[d] {
			case grey:
				return path(stack, d)
			case white:
				color[d] = grey
				stack = append(stack, frame{d, 0})
			}
		}
	}
	return ""
}
