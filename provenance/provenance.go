// Package provenance records Rust builds and builds their SLSA Provenance v1 (https://slsa.dev/provenance/v1):
// RunBuild runs a build command (cargo's JSON messages name its artifacts) and records when it ran; Gather reads
// the facts of the build (the source checkout, the cargo command with its profile, target and features, every
// crate of Cargo.lock with its checksum, the Rust toolchain, and the CI run: GitHub Actions, GitLab CI, or a local
// build, which the provenance says it is); Predicate and Statement turn them into the unsigned in-toto statement
// about the artifacts. It neither signs nor writes files: package attest signs, package release and the CLI
// write. The build type and the meaning of every parameter are documented in docs/buildtype-cargo-v1.md.
package provenance

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"sort"
	"strings"
	"time"

	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/cargo"
)

// BuildType is ferroseal's build type: a cargo build of a Rust workspace.
const BuildType = "https://github.com/ferroseal/ferroseal/blob/main/docs/buildtype-cargo-v1.md"

// LocalBuilderID is the builder of a build that ran outside a CI system ferroseal recognises: whoever ran it.
const LocalBuilderID = "https://github.com/ferroseal/ferroseal/blob/main/docs/buildtype-cargo-v1.md#local-builder"

// Source is the checkout a build ran from.
type Source struct {
	// URI is the repository, as git+URL (credentials removed).
	URI string
	// Ref is the git ref built: refs/heads/BRANCH or refs/tags/TAG; empty for a detached checkout.
	Ref string
	// Commit is the commit checked out.
	Commit string
	// Dirty says the work tree had uncommitted changes to tracked files.
	Dirty bool
	// Tags are the tags that pointed at the commit when it was built, sorted: facts about the commit, whatever
	// the ref built (a branch whose head carries the release tag).
	Tags []string
}

// Build is what a cargo build was asked to do.
type Build struct {
	// Command is the command that ran, as argv.
	Command []string
	// Profile is the cargo profile: release, dev, or a custom one.
	Profile string
	// Target is the target triple built for.
	Target string
	// Features are the features requested (--features), sorted; AllFeatures and NoDefaultFeatures as given.
	Features          []string
	AllFeatures       bool
	NoDefaultFeatures bool
	// ManifestPath is the manifest built, relative to the repository root.
	ManifestPath string
}

// Artifact is a file the build produced, or a byproduct.
type Artifact struct {
	Name      string
	Digest    map[string]string
	MediaType string
}

// Facts is everything a provenance predicate is made from.
type Facts struct {
	Source   Source
	Build    Build
	CI       CI
	Lockfile *cargo.Lockfile
	Rustc    *cargo.Rustc
	// ToolVersion is ferroseal's version.
	ToolVersion string
	// StartedOn and FinishedOn bound the build; zero when not known.
	StartedOn, FinishedOn time.Time
	// SourceDate is SOURCE_DATE_EPOCH when set: the build's time for a reproducible build, given when the build's
	// own times are not known.
	SourceDate time.Time
	// Byproducts are files made along with the artifacts (SBOMs).
	Byproducts []Artifact
	// Inputs are the inputs a CI workflow was called with, recorded as externalParameters.inputs.
	Inputs map[string]string
	// RustcReported says the toolchain is the build's own report, not read by the job making the provenance
	// (an isolated build): its dependency says so (annotations.reportedBy = "build").
	RustcReported bool
}

// Predicate builds the SLSA Provenance v1 predicate, validates it with the in-toto attestation library, and
// returns it as deterministic JSON (sorted keys).
func Predicate(f Facts) ([]byte, error) {
	p, err := proto(f)
	if err != nil {
		return nil, err
	}
	if err := p.Validate(); err != nil {
		return nil, fmt.Errorf("invalid provenance: %w", err)
	}
	raw, err := protojson.Marshal(p)
	if err != nil {
		return nil, err
	}
	// protojson's output is deliberately unstable; re-encode with sorted keys for reproducible bytes.
	var v any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSpace(buf.Bytes()), nil
}

func proto(f Facts) (*slsa.Provenance, error) {
	external := map[string]any{}
	if len(f.Build.Command) > 0 {
		external["command"] = anySlice(f.Build.Command)
	}
	if f.Source.URI != "" {
		src := map[string]any{"uri": f.Source.URI}
		if f.Source.Ref != "" {
			src["ref"] = f.Source.Ref
		}
		external["source"] = src
	}
	put := func(m map[string]any, k string, v string) {
		if v != "" {
			m[k] = v
		}
	}
	put(external, "profile", f.Build.Profile)
	put(external, "target", f.Build.Target)
	put(external, "manifestPath", f.Build.ManifestPath)
	if len(f.Build.Features) > 0 {
		features := slices.Clone(f.Build.Features)
		slices.Sort(features)
		external["features"] = anySlice(features)
	}
	if f.Build.AllFeatures {
		external["allFeatures"] = true
	}
	if f.Build.NoDefaultFeatures {
		external["noDefaultFeatures"] = true
	}
	if len(f.Inputs) > 0 {
		in := map[string]any{}
		for k, v := range f.Inputs {
			in[k] = v
		}
		external["inputs"] = in
	}
	ext, err := structpb.NewStruct(external)
	if err != nil {
		return nil, err
	}
	internal, err := structpb.NewStruct(f.CI.Internal)
	if err != nil {
		return nil, err
	}

	var deps []*intoto.ResourceDescriptor
	if f.Source.URI != "" || f.Source.Commit != "" {
		d := &intoto.ResourceDescriptor{Name: "source"}
		if f.Source.URI != "" {
			d.Name, d.Uri = "", f.Source.URI
			if f.Source.Ref != "" {
				d.Uri += "@" + f.Source.Ref
			}
		}
		if f.Source.Commit != "" {
			d.Digest = map[string]string{"gitCommit": f.Source.Commit}
		}
		ann := map[string]any{}
		if f.Source.Dirty {
			ann["dirty"] = true
		}
		if len(f.Source.Tags) > 0 {
			ann["tags"] = anySlice(f.Source.Tags)
		}
		if len(ann) > 0 {
			d.Annotations, _ = structpb.NewStruct(ann)
		}
		deps = append(deps, d)
	}
	if f.Rustc != nil {
		ann := map[string]any{"host": f.Rustc.Host, "release": f.Rustc.Release, "version": f.Rustc.Version}
		if f.Rustc.CommitDate != "" {
			ann["commitDate"] = f.Rustc.CommitDate
		}
		if f.Rustc.LLVM != "" {
			ann["llvm"] = f.Rustc.LLVM
		}
		if f.RustcReported {
			ann["reportedBy"] = "build"
		}
		d := &intoto.ResourceDescriptor{Name: "rustc", Uri: "pkg:generic/rustc@" + f.Rustc.Release}
		if f.Rustc.CommitHash != "" {
			d.Digest = map[string]string{"gitCommit": f.Rustc.CommitHash}
		}
		d.Annotations, _ = structpb.NewStruct(ann)
		deps = append(deps, d)
	}
	deps = append(deps, CrateDependencies(f.Lockfile)...)

	builder := &slsa.Builder{Id: f.CI.BuilderID, Version: map[string]string{"ferroseal": f.ToolVersion}}
	if f.ToolVersion == "" {
		builder.Version = nil
	}
	// The metadata is always there, if empty: consumers (GUAC) refuse provenance without it.
	md := &slsa.BuildMetadata{InvocationId: f.CI.InvocationID}
	started, finished := f.StartedOn, f.FinishedOn
	if started.IsZero() && finished.IsZero() {
		started, finished = f.SourceDate, f.SourceDate
	}
	if !started.IsZero() {
		md.StartedOn = timestamppb.New(started.UTC().Truncate(time.Second))
	}
	if !finished.IsZero() {
		md.FinishedOn = timestamppb.New(finished.UTC().Truncate(time.Second))
	}
	var byproducts []*intoto.ResourceDescriptor
	for _, b := range f.Byproducts {
		byproducts = append(byproducts, &intoto.ResourceDescriptor{Name: b.Name, Digest: maps.Clone(b.Digest), MediaType: b.MediaType})
	}
	sort.Slice(byproducts, func(i, j int) bool { return byproducts[i].Name < byproducts[j].Name })
	return &slsa.Provenance{
		BuildDefinition: &slsa.BuildDefinition{
			BuildType:            BuildType,
			ExternalParameters:   ext,
			InternalParameters:   internal,
			ResolvedDependencies: deps,
		},
		RunDetails: &slsa.RunDetails{Builder: builder, Metadata: md, Byproducts: byproducts},
	}, nil
}

// CrateDependencies lists a Cargo.lock's crates as resource descriptors: the package URL as uri, the .crate's
// SHA-256 as digest (the commit, as gitCommit, for a git crate). Local crates are part of the source and are left
// out. The order is the lockfile's (sorted by cargo).
func CrateDependencies(lf *cargo.Lockfile) []*intoto.ResourceDescriptor {
	if lf == nil {
		return nil
	}
	var out []*intoto.ResourceDescriptor
	for _, p := range lf.Packages {
		src := cargo.ParseSource(p.Source)
		if src.Kind == sbom.SourcePath {
			continue
		}
		uri := sbom.PURL(p.Name, p.Version, src)
		if uri == "" {
			uri = sbom.CrateRef(p.Name, p.Version, src)
		}
		d := &intoto.ResourceDescriptor{Uri: uri}
		switch {
		case p.Checksum != "":
			d.Digest = map[string]string{"sha256": p.Checksum}
		case src.Kind == sbom.SourceGit && src.Rev != "":
			d.Digest = map[string]string{"gitCommit": src.Rev}
		}
		out = append(out, d)
	}
	return out
}

func anySlice(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

// ParseCargoArgs reads the profile, target and features a cargo command line asks for. It understands cargo
// build, cargo auditable build and cargo rustc; for anything else it returns what it finds.
func ParseCargoArgs(argv []string) Build {
	b := Build{Command: slices.Clone(argv), Profile: "dev"}
	for i := 0; i < len(argv); i++ {
		a := argv[i]
		val := func(flag string) (string, bool) {
			if a == flag && i+1 < len(argv) {
				i++
				return argv[i], true
			}
			if v, ok := strings.CutPrefix(a, flag+"="); ok {
				return v, true
			}
			return "", false
		}
		if a == "--" {
			break
		}
		switch {
		case a == "--release" || a == "-r":
			b.Profile = "release"
		case a == "--all-features":
			b.AllFeatures = true
		case a == "--no-default-features":
			b.NoDefaultFeatures = true
		}
		if v, ok := val("--profile"); ok {
			b.Profile = v
		}
		if v, ok := val("--target"); ok {
			b.Target = v
		}
		if v, ok := val("--manifest-path"); ok {
			b.ManifestPath = v
		}
		for _, flag := range []string{"--features", "-F"} {
			if v, ok := val(flag); ok {
				for _, f := range strings.FieldsFunc(v, func(r rune) bool { return r == ',' || r == ' ' }) {
					b.Features = append(b.Features, f)
				}
			}
		}
	}
	slices.Sort(b.Features)
	b.Features = slices.Compact(b.Features)
	return b
}
