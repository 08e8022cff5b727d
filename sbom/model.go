// Package sbom is ferroseal's format-neutral software bill of materials for Rust artifacts.
//
// Readers fill a [Document] (package [github.com/ferroseal/ferroseal/sbom/cargo] from cargo metadata and Cargo.lock,
// package [github.com/ferroseal/ferroseal/sbom/binary] from the cargo-auditable data compiled into binaries); encoders
// turn it into one format each (package [github.com/ferroseal/ferroseal/sbom/cyclonedx], package
// [github.com/ferroseal/ferroseal/sbom/spdx]). A reader never knows about a format and an encoder never knows where
// the data came from. This package also owns what every format shares: package URLs, SPDX license expressions and
// the content digest that makes serial numbers and namespaces reproducible.
package sbom

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
	"time"
)

// ComponentType says what kind of thing a component is.
type ComponentType string

// Component types, named as in CycloneDX.
const (
	// TypeApplication is an executable program.
	TypeApplication ComponentType = "application"
	// TypeLibrary is a crate or a library artifact (rlib, cdylib, staticlib).
	TypeLibrary ComponentType = "library"
	// TypeFile is a file whose nature is not known, such as a release archive.
	TypeFile ComponentType = "file"
	// TypeContainer is a container image.
	TypeContainer ComponentType = "container"
)

// Scope says when a component is needed.
type Scope string

// Scopes. A component reachable both at run time and at build time is [ScopeRuntime].
const (
	// ScopeUnknown means the input did not say (Cargo.lock has no dependency kinds).
	ScopeUnknown Scope = ""
	// ScopeRuntime is code linked into the artifact.
	ScopeRuntime Scope = "runtime"
	// ScopeBuild is code that runs only while building: build scripts, their dependencies and proc-macros.
	ScopeBuild Scope = "build"
	// ScopeDev is code used only by tests, examples and benchmarks.
	ScopeDev Scope = "dev"
)

// SourceKind is where a crate comes from.
type SourceKind string

// Source kinds.
const (
	// SourceUnknown means the input did not say.
	SourceUnknown SourceKind = ""
	// SourceCratesIO is the crates.io registry, through either protocol.
	SourceCratesIO SourceKind = "crates.io"
	// SourceRegistry is any other registry.
	SourceRegistry SourceKind = "registry"
	// SourceGit is a git repository.
	SourceGit SourceKind = "git"
	// SourcePath is a crate on the local file system: a workspace member or a path dependency.
	SourcePath SourceKind = "local"
)

// Source locates a crate. It never holds a local file system path.
type Source struct {
	// Kind is the kind of source.
	Kind SourceKind `json:"kind,omitempty"`
	// URL is the registry index or the git repository, without cargo's "registry+", "sparse+" or "git+" prefix and
	// without query or fragment. Empty when not known.
	URL string `json:"url,omitempty"`
	// Rev is the git commit a git crate was resolved to.
	Rev string `json:"rev,omitempty"`
	// Label is the source as cargo-auditable records it when it names no kind of ours ("sparse", a registry name).
	Label string `json:"label,omitempty"`
}

// HashAlgorithm names a digest algorithm as CycloneDX spells it.
type HashAlgorithm string

// Hash algorithms.
const (
	SHA256 HashAlgorithm = "SHA-256"
	SHA384 HashAlgorithm = "SHA-384"
	SHA512 HashAlgorithm = "SHA-512"
	SHA1   HashAlgorithm = "SHA-1"
)

// Hash is a digest of a component's bytes: the .crate file for a crate, the file for an artifact.
type Hash struct {
	Algorithm HashAlgorithm `json:"alg"`
	// Value is the digest in lowercase hexadecimal.
	Value string `json:"value"`
}

// Property is a name and value pair. Names are namespaced ("ferroseal:...", or a registered "cdx:..." name).
type Property struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Component is one crate, or the artifact a document describes.
type Component struct {
	// Ref identifies the component within its document; it is stable across runs and machines.
	Ref  string        `json:"ref"`
	Type ComponentType `json:"type"`
	Name string        `json:"name"`
	// Version is the crate's version; empty for an artifact whose version is not known.
	Version string `json:"version,omitempty"`
	Source  Source `json:"source,omitzero"`
	Scope   Scope  `json:"scope,omitempty"`
	Hashes  []Hash `json:"hashes,omitempty"`
	// License is a valid SPDX license expression, possibly naming a LicenseRef of the document; empty when the
	// crate declares none.
	License       string   `json:"license,omitempty"`
	Description   string   `json:"description,omitempty"`
	Authors       []string `json:"authors,omitempty"`
	Homepage      string   `json:"homepage,omitempty"`
	Repository    string   `json:"repository,omitempty"`
	Documentation string   `json:"documentation,omitempty"`
	// DependsOn lists the Refs of the components this one depends on directly.
	DependsOn  []string   `json:"dependsOn,omitempty"`
	Properties []Property `json:"properties,omitempty"`
	// NoPURL suppresses the package URL, for an artifact or a crate that has no public identity.
	NoPURL bool `json:"noPurl,omitempty"`
	// OtherPURL is a package URL of another type than cargo's (a container image's pkg:oci/...), used as it is.
	OtherPURL string `json:"otherPurl,omitempty"`

	// The facts below are filled by a profile (package bsi) from what is known; encoders write them when set.

	// Creator is who made the component and how to reach them (BSI's component creator; CycloneDX manufacturer).
	Creator *Contact `json:"creator,omitempty"`
	// ConcludedLicense is the license the component is distributed under (CycloneDX acknowledgement
	// "concluded", SPDX hasConcludedLicense); License is the one its creator declared.
	ConcludedLicense string `json:"concludedLicense,omitempty"`
	// SourceURL is where the component's source code is; DistributionURL where its deployable form is, when it
	// is not derived from its source (a crates.io crate's download URL is).
	SourceURL       string `json:"sourceUrl,omitempty"`
	DistributionURL string `json:"distributionUrl,omitempty"`
	// Dependencies says whether the component's list of dependencies is complete: DependenciesComplete,
	// DependenciesIncomplete, or unknown ("").
	Dependencies Completeness `json:"dependencies,omitempty"`
}

// Contact is a person or an organisation, and how to reach it: an e-mail address, a URL, or both.
type Contact struct {
	Name  string `json:"name,omitempty"`
	Email string `json:"email,omitempty"`
	URL   string `json:"url,omitempty"`
}

// Completeness says whether a list is known to be complete.
type Completeness string

// Completeness values, named as CycloneDX's composition aggregates.
const (
	CompletenessUnknown    Completeness = ""
	DependenciesComplete   Completeness = "complete"
	DependenciesIncomplete Completeness = "incomplete"
)

// PURL returns the component's package URL, or "" when it has none: a crate's [PURL], a local crate's
// [LocalPURL], a file's (a source-less component with a SHA-256: a binary, an archive) [ArtifactPURL], or the
// OtherPURL given.
func (c *Component) PURL() string {
	if c.OtherPURL != "" {
		return c.OtherPURL
	}
	switch {
	case c.NoPURL:
		return ""
	case c.Source.Kind == SourcePath:
		return LocalPURL(c.Name, c.Version, c.Repository)
	case c.Source.Kind == SourceUnknown && c.Hash(SHA256) != "":
		return ArtifactPURL(c.Name, c.Version, c.Hash(SHA256))
	case c.Type == TypeFile:
		return ""
	}
	return PURL(c.Name, c.Version, c.Source)
}

// Hash returns the component's digest with the given algorithm, or "".
func (c *Component) Hash(alg HashAlgorithm) string {
	for _, h := range c.Hashes {
		if h.Algorithm == alg {
			return h.Value
		}
	}
	return ""
}

// LicenseRef is a license that has no SPDX identifier, referenced from license expressions as its ID.
type LicenseRef struct {
	// ID is "LicenseRef-" followed by letters, digits, "." and "-".
	ID   string `json:"id"`
	Name string `json:"name"`
	// Text says where the license text is; SPDX requires it.
	Text string `json:"text"`
}

// Origin says what a document was read from.
type Origin string

// Origins.
const (
	OriginMetadata  Origin = "cargo-metadata"
	OriginLockfile  Origin = "cargo-lock"
	OriginAuditable Origin = "cargo-auditable"
	// OriginCargoSBOM: cargo's SBOM precursor (cargo -Z sbom) for a binary.
	OriginCargoSBOM Origin = "cargo-sbom"
	OriginHeuristic Origin = "heuristic"
	// OriginSBOM: another tool's SBOM, converted.
	OriginSBOM Origin = "sbom"
)

// Document is a bill of materials for one artifact.
type Document struct {
	// Subject is the artifact the document describes: a binary, a workspace member, or a workspace.
	Subject Component `json:"subject"`
	// Components are the subject's direct and indirect dependencies, sorted by Ref.
	Components []Component `json:"components"`
	// LicenseRefs are the non-SPDX licenses the components' expressions name, sorted by ID.
	LicenseRefs []LicenseRef `json:"licenseRefs,omitempty"`
	// Created is the document's creation time (the CLI takes it from SOURCE_DATE_EPOCH when set).
	Created time.Time `json:"created"`
	// Target is the target triple the components were resolved for, when known.
	Target string `json:"target,omitempty"`
	// AllTargets says the components include the dependencies of every target platform.
	AllTargets bool   `json:"allTargets,omitempty"`
	Origin     Origin `json:"origin"`
	// Incomplete says the component list is known to be partial (a heuristic recovery).
	Incomplete bool `json:"incomplete,omitempty"`
	// Notes are plain sentences about the limits of the data, carried into every format.
	Notes []string `json:"notes,omitempty"`
	// Properties are document-level facts, such as the compiler version.
	Properties []Property `json:"properties,omitempty"`
	// Creators are who made the document (the SBOM's author); none means the tool alone.
	Creators []Contact `json:"creators,omitempty"`
	// Profile names the requirements the document was made to meet ("bsi-tr-03183-2"), or "".
	Profile string `json:"profile,omitempty"`
}

// ErrInvalidDocument is returned by [Document.Validate] for a document no encoder should write.
var ErrInvalidDocument = errors.New("invalid sbom document")

// Normalize sorts every list of the document and removes duplicate edges, hashes and properties, so that equal
// documents encode to equal bytes whatever order a reader produced them in.
func (d *Document) Normalize() {
	normalizeComponent(&d.Subject)
	for i := range d.Components {
		normalizeComponent(&d.Components[i])
	}
	slices.SortFunc(d.Components, func(a, b Component) int { return cmp.Compare(a.Ref, b.Ref) })
	slices.SortFunc(d.LicenseRefs, func(a, b LicenseRef) int { return cmp.Compare(a.ID, b.ID) })
	d.LicenseRefs = slices.CompactFunc(d.LicenseRefs, func(a, b LicenseRef) bool { return a.ID == b.ID })
	d.Notes = sortedUnique(d.Notes)
	d.Properties = normalizeProperties(d.Properties)
	d.Created = d.Created.UTC().Truncate(time.Second)
}

func normalizeComponent(c *Component) {
	// NoPURL and OtherPURL are kept only where they change the package URL, so that equal documents are equal.
	if c.OtherPURL != "" {
		other := c.OtherPURL
		c.OtherPURL, c.NoPURL = "", false
		if c.PURL() != other {
			c.OtherPURL = other
		}
	}
	if c.NoPURL {
		c.NoPURL = false
		c.NoPURL = c.PURL() != ""
	}
	c.DependsOn = sortedUnique(c.DependsOn)
	slices.SortFunc(c.Hashes, func(a, b Hash) int { return cmp.Compare(a.Algorithm, b.Algorithm) })
	c.Hashes = slices.CompactFunc(c.Hashes, func(a, b Hash) bool { return a.Algorithm == b.Algorithm })
	c.Properties = normalizeProperties(c.Properties)
}

func normalizeProperties(p []Property) []Property {
	slices.SortFunc(p, func(a, b Property) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.Value, b.Value))
	})
	return slices.Compact(p)
}

func sortedUnique(s []string) []string {
	slices.Sort(s)
	return slices.Compact(s)
}

// Validate checks the document's integrity: unique Refs, every edge pointing at a component of the document, a
// named subject. It does not check the graph for cycles: cargo allows none, but a document may record what it read.
func (d *Document) Validate() error {
	if d.Subject.Name == "" || d.Subject.Ref == "" {
		return fmt.Errorf("%w: the subject has no name or ref", ErrInvalidDocument)
	}
	refs := make(map[string]bool, len(d.Components)+1)
	refs[d.Subject.Ref] = true
	for _, c := range d.Components {
		if c.Ref == "" || c.Name == "" {
			return fmt.Errorf("%w: a component has no name or ref", ErrInvalidDocument)
		}
		if refs[c.Ref] {
			return fmt.Errorf("%w: ref %q used twice", ErrInvalidDocument, c.Ref)
		}
		refs[c.Ref] = true
	}
	check := func(c *Component) error {
		for _, dep := range c.DependsOn {
			if !refs[dep] {
				return fmt.Errorf("%w: %s depends on %q, which is not in the document", ErrInvalidDocument, c.Ref, dep)
			}
		}
		return nil
	}
	if err := check(&d.Subject); err != nil {
		return err
	}
	for i := range d.Components {
		if err := check(&d.Components[i]); err != nil {
			return err
		}
	}
	return nil
}

// Component returns the component with the given Ref (the subject included), or nil.
func (d *Document) Component(ref string) *Component {
	if d.Subject.Ref == ref {
		return &d.Subject
	}
	i, ok := slices.BinarySearchFunc(d.Components, ref, func(c Component, r string) int { return cmp.Compare(c.Ref, r) })
	if ok {
		return &d.Components[i]
	}
	for i := range d.Components { // not normalized yet
		if d.Components[i].Ref == ref {
			return &d.Components[i]
		}
	}
	return nil
}

// DropDanglingEdges removes the edges to components the document does not have, as a document read from another
// tool may hold (a dependency on a service, a component left out), and returns how many it removed.
func (d *Document) DropDanglingEdges() int {
	refs := make(map[string]bool, len(d.Components)+1)
	refs[d.Subject.Ref] = true
	for _, c := range d.Components {
		refs[c.Ref] = true
	}
	dropped := 0
	keep := func(c *Component) {
		n := len(c.DependsOn)
		c.DependsOn = slices.DeleteFunc(c.DependsOn, func(r string) bool { return !refs[r] })
		dropped += n - len(c.DependsOn)
	}
	keep(&d.Subject)
	for i := range d.Components {
		keep(&d.Components[i])
	}
	return dropped
}
