package attest

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/binary"
	"github.com/ferroseal/ferroseal/sbom/cyclonedx"
	"github.com/ferroseal/ferroseal/sbom/spdx"
	"github.com/ferroseal/ferroseal/sbom/spdx3"
)

// ErrSBOMMismatch is wrapped when an attested SBOM does not list exactly the crates the binary embeds.
var ErrSBOMMismatch = errors.New("the SBOM does not describe this binary")

// Crate is what the SBOM check compares: a crate's identity, the kind of its source and its scope.
type Crate struct {
	Name    string     `json:"name"`
	Version string     `json:"version"`
	Source  string     `json:"source"`
	Scope   sbom.Scope `json:"scope,omitempty"`
}

func (c Crate) String() string {
	s := fmt.Sprintf("%s %s (%s", c.Name, c.Version, c.Source)
	if c.Scope != "" {
		s += ", " + string(c.Scope)
	}
	return s + ")"
}

// SBOMCheck is the outcome of comparing an attested SBOM with a binary's embedded data.
type SBOMCheck struct {
	// Crates is how many crates the binary embeds.
	Crates int `json:"crates"`
	// Missing are crates of the binary the SBOM does not list; Extra are crates the SBOM lists that the binary does
	// not embed; each compared by name, version, source kind and scope.
	Missing []Crate `json:"missing,omitempty"`
	Extra   []Crate `json:"extra,omitempty"`
	// ScopesCompared is false when the binary's data cannot be trusted for proc-macro scopes (format 0), so scopes
	// were left out of the comparison.
	ScopesCompared bool `json:"scopesCompared"`
}

// OK reports whether the SBOM lists exactly the binary's crates.
func (c *SBOMCheck) OK() bool { return len(c.Missing) == 0 && len(c.Extra) == 0 }

// CheckSBOM compares an SBOM predicate (CycloneDX, SPDX or SPDX 3 JSON) with the cargo-auditable data the binary at path
// embeds (for a release archive, the binaries inside it): the proof that the SBOM describes this artifact. The
// crates on each side are compared by name, version, kind of source and scope (runtime or build). An artifact
// without embedded data cannot be checked: that is an error wrapping auditable.ErrNotAuditable.
func CheckSBOM(ctx context.Context, path, predicateType string, predicate []byte, opts auditable.Options) (*SBOMCheck, error) {
	bin, scopes, err := embedded(ctx, path, opts)
	if err != nil {
		return nil, err
	}
	var doc *sbom.Document
	switch {
	case SameType(PredicateCycloneDX, predicateType):
		doc, err = cyclonedx.Decode(predicate)
	case SameType(PredicateSPDX, predicateType):
		doc, err = spdx.Decode(predicate)
	case SameType(PredicateSPDX3, predicateType):
		doc, err = spdx3.Decode(predicate)
	default:
		return nil, fmt.Errorf("%w: predicate type %s is not an SBOM", ErrSBOMMismatch, predicateType)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSBOMMismatch, err)
	}
	want := crates(bin, scopes)
	got := crates(doc, scopes)
	check := &SBOMCheck{Crates: len(want), ScopesCompared: scopes}
	for k, c := range want {
		if _, ok := got[k]; !ok {
			check.Missing = append(check.Missing, c)
		}
	}
	for k, c := range got {
		if _, ok := want[k]; !ok {
			check.Extra = append(check.Extra, c)
		}
	}
	order := func(a, b Crate) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Version, b.Version), cmp.Compare(a.Source, b.Source))
	}
	slices.SortFunc(check.Missing, order)
	slices.SortFunc(check.Extra, order)
	return check, nil
}

// embedded reads the crates an artifact embeds: a binary's, or the union of the binaries' in a release archive. It
// also says whether their scopes can be trusted (no format 0 payload among them).
func embedded(ctx context.Context, path string, opts auditable.Options) (*sbom.Document, bool, error) {
	var f *auditable.File
	err := auditable.ErrUnknownFormat // an image in a registry: its binaries, below
	if !strings.HasPrefix(path, binary.RegistryPrefix) {
		f, err = auditable.ReadFile(path, opts)
	}
	if err == nil {
		scopes := true
		for _, s := range f.Slices {
			scopes = scopes && !s.Payload.ProcMacroKindsUnreliable()
		}
		return binary.Document(f, binary.Artifact{Name: "binary"}, time.Time{}), scopes, nil
	}
	if !errors.Is(err, auditable.ErrUnknownFormat) {
		return nil, false, err
	}
	items, serr := binary.Scan(ctx, []string{path}, binary.ScanOptions{Options: binary.Options{Auditable: opts}})
	if serr != nil {
		return nil, false, serr
	}
	var docs []*sbom.Document
	scopes := true
	for _, it := range items {
		if it.Image != nil && errors.Is(it.Err, auditable.ErrNotAuditable) {
			continue // an image holds the binaries of every language; its Rust ones are compared
		}
		if it.Err != nil {
			return nil, false, it.Err
		}
		docs = append(docs, it.Result.Doc)
		for _, s := range it.Result.File.Slices {
			scopes = scopes && !s.Payload.ProcMacroKindsUnreliable()
		}
	}
	if len(docs) == 0 {
		return nil, false, err
	}
	return sbom.MergeArtifacts("archive", docs, time.Time{}), scopes, nil
}

// crates lists a document's crates: its components, and its subject when the subject is a crate (an SBOM made
// from cargo metadata describes the root crate itself) rather than a file, a collection or a workspace.
func crates(d *sbom.Document, scopes bool) map[Crate]Crate {
	out := map[Crate]Crate{}
	add := func(c sbom.Component, scope sbom.Scope) {
		if c.Version == "" || c.Type == sbom.TypeFile || isArtifactRef(c.Ref) {
			return
		}
		if c.Source.Kind == sbom.SourceUnknown && c.Type != sbom.TypeLibrary {
			return // a binary inside an archive, as SPDX (which keeps no refs) lists it
		}
		kind := string(c.Source.Kind)
		if kind == "" {
			kind = "unknown"
		}
		cr := Crate{Name: c.Name, Version: c.Version, Source: kind, Scope: scope}
		if !scopes {
			cr.Scope = ""
		}
		if cr.Scope == sbom.ScopeUnknown && scopes {
			cr.Scope = sbom.ScopeRuntime
		}
		out[cr] = cr
	}
	if d.Subject.Source.Kind != sbom.SourceUnknown { // a file's subject has no source: only a crate's has
		add(d.Subject, sbom.ScopeRuntime)
	}
	for _, c := range d.Components {
		add(c, c.Scope)
	}
	return out
}

func isArtifactRef(ref string) bool {
	for _, p := range []string{"artifact:", "collection:", "workspace:"} {
		if strings.HasPrefix(ref, p) {
			return true
		}
	}
	return false
}
