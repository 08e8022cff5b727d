package attest

import (
	"cmp"
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

// CheckSBOM compares an SBOM predicate (CycloneDX or SPDX JSON) with the cargo-auditable data the binary at path
// embeds: the proof that the SBOM describes this artifact. The crates on each side are compared by name, version,
// kind of source and scope (runtime or build). A binary without embedded data cannot be checked: that is an error
// wrapping auditable.ErrNotAuditable.
func CheckSBOM(path, predicateType string, predicate []byte, opts auditable.Options) (*SBOMCheck, error) {
	f, err := auditable.ReadFile(path, opts)
	if err != nil {
		return nil, err
	}
	bin := binary.Document(f, binary.Artifact{Name: "binary"}, time.Time{})
	var doc *sbom.Document
	switch {
	case SameType(PredicateCycloneDX, predicateType):
		doc, err = cyclonedx.Decode(predicate)
	case SameType(PredicateSPDX, predicateType):
		doc, err = spdx.Decode(predicate)
	default:
		return nil, fmt.Errorf("%w: predicate type %s is not an SBOM", ErrSBOMMismatch, predicateType)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSBOMMismatch, err)
	}
	scopes := true
	for _, s := range f.Slices {
		if s.Payload.ProcMacroKindsUnreliable() {
			scopes = false
		}
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

// crates lists a document's crates: its components, and its subject when the subject is a crate (an SBOM made
// from cargo metadata describes the root crate itself) rather than a file, a collection or a workspace.
func crates(d *sbom.Document, scopes bool) map[Crate]Crate {
	out := map[Crate]Crate{}
	add := func(c sbom.Component, scope sbom.Scope) {
		if c.Version == "" || c.Type == sbom.TypeFile || isArtifactRef(c.Ref) {
			return
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
