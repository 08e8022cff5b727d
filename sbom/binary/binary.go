// Package binary builds SBOM documents from compiled Rust binaries: from the cargo-auditable data embedded in them
// (read by package [github.com/ferroseal/ferroseal/sbom/auditable]), or, when there is none and the caller asks,
// from the registry paths the compiler left in them. It also walks directories and release archives.
//
// A binary's document describes the file: its subject is the binary (named after the file, with its digests), which
// depends on the crate that built it; the components are every crate of the embedded data with its kind (runtime,
// or build for build scripts and proc-macros: unlike other tools, build-kind crates are kept, scoped) and the
// dependency graph.
package binary

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"sync/atomic"
	"time"

	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
)

// Options say how to read binaries. The zero value reads with the default limits, computes SHA-256 and gives up
// on binaries without cargo-auditable data.
type Options struct {
	Auditable auditable.Options
	// Hashes are the digests of each binary to record; empty means SHA-256 only.
	Hashes []sbom.HashAlgorithm
	// Heuristic recovers crates from registry paths in binaries that carry no cargo-auditable data; the documents
	// say they are incomplete.
	Heuristic bool
	// Created is the documents' creation time.
	Created time.Time
}

// Artifact identifies a binary file.
type Artifact struct {
	// Name is the file's base name.
	Name string
	// Path is where the file was found, relative to the directory or archive given (empty for a file given
	// directly); it is recorded as a property.
	Path   string
	Hashes []sbom.Hash
}

// Result is what reading one binary gives.
type Result struct {
	Artifact Artifact
	// File is the embedded data; nil when there was none (Doc may still come from the heuristic).
	File *auditable.File
	Doc  *sbom.Document
}

// ReadFile reads the binary at path: its digests (the one full read of the file, streamed), its embedded data
// (headers and one section), and the document built from them. A binary without embedded data gives an error
// wrapping auditable.ErrNotAuditable, unless opts.Heuristic recovers crates from it.
func ReadFile(path string, opts Options) (*Result, error) {
	return readFile(path, Artifact{Name: filepath.Base(path)}, opts)
}

func readFile(path string, art Artifact, opts Options) (*Result, error) {
	f, size, err := inputfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	// Hash while the embedded data is read and the document built: the hash is the one full read, and dominates.
	type digest struct {
		hashes []sbom.Hash
		err    error
	}
	hashed := make(chan digest, 1)
	var stop atomic.Bool
	go func() {
		h, err := Digest(stoppable{io.NewSectionReader(f, 0, size), &stop}, opts.Hashes)
		hashed <- digest{h, err}
	}()
	af, aerr := auditable.Read(f, size, opts.Auditable)
	if aerr != nil && !(errors.Is(aerr, auditable.ErrNotAuditable) && opts.Heuristic) {
		stop.Store(true)
		<-hashed
		return nil, fmt.Errorf("%s: %w", path, aerr)
	}
	var doc *sbom.Document
	var herr error
	if af != nil {
		doc = Document(af, art, opts.Created)
	} else {
		var found *HeuristicResult
		if found, herr = Heuristic(io.NewSectionReader(f, 0, size)); herr == nil {
			doc = HeuristicDocument(found, art, opts.Created)
		}
	}
	d := <-hashed
	if d.err != nil {
		return nil, fmt.Errorf("%s: hashing: %w", path, d.err)
	}
	if herr != nil {
		return nil, fmt.Errorf("%s: %w", path, herr)
	}
	art.Hashes = d.hashes
	doc.Subject.Hashes = slices.Clone(d.hashes)
	doc.Normalize()
	return &Result{Artifact: art, File: af, Doc: doc}, nil
}

// stoppable is a reader that ends with errStopped once stop is set.
type stoppable struct {
	r    io.Reader
	stop *atomic.Bool
}

var errStopped = errors.New("stopped")

func (s stoppable) Read(p []byte) (int, error) {
	if s.stop.Load() {
		return 0, errStopped
	}
	return s.r.Read(p)
}

// copyBuffers are the read buffers of Digest, reused across files: a few, shared by all processors (a sync.Pool
// keeps one per processor, which makes memory grow with the machine's core count).
var copyBuffers = make(chan *[]byte, MaxDefaultJobs)

func getCopyBuffer() *[]byte {
	select {
	case b := <-copyBuffers:
		return b
	default:
		b := make([]byte, 256<<10)
		return &b
	}
}

func putCopyBuffer(b *[]byte) {
	select {
	case copyBuffers <- b:
	default:
	}
}

// DigestContext is Digest, stopped with the context's error when the context ends.
func DigestContext(ctx context.Context, r io.Reader, algs []sbom.HashAlgorithm) ([]sbom.Hash, error) {
	return Digest(ctxReader{ctx, r}, algs)
}

// ctxReader is a reader that ends with the context's error once the context is done.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// Digest computes the requested digests (SHA-256 when none) of everything r yields, in one pass.
func Digest(r io.Reader, algs []sbom.HashAlgorithm) ([]sbom.Hash, error) {
	if len(algs) == 0 {
		algs = []sbom.HashAlgorithm{sbom.SHA256}
	}
	hs := make([]hash.Hash, len(algs))
	ws := make([]io.Writer, len(algs))
	for i, a := range algs {
		switch a {
		case sbom.SHA256:
			hs[i] = sha256.New()
		case sbom.SHA384:
			hs[i] = sha512.New384()
		case sbom.SHA512:
			hs[i] = sha512.New()
		case sbom.SHA1:
			hs[i] = sha1.New()
		default:
			return nil, fmt.Errorf("unsupported hash algorithm %q", a)
		}
		ws[i] = hs[i]
	}
	var w io.Writer = ws[0]
	if len(ws) > 1 {
		w = io.MultiWriter(ws...)
	}
	bp := getCopyBuffer()
	defer putCopyBuffer(bp)
	if _, err := io.CopyBuffer(w, r, *bp); err != nil {
		return nil, err
	}
	out := make([]sbom.Hash, len(algs))
	for i, a := range algs {
		out[i] = sbom.Hash{Algorithm: a, Value: hex.EncodeToString(hs[i].Sum(nil))}
	}
	return out, nil
}

// ParseHashAlgorithm accepts sha256, sha-256, SHA-256 and the like, for SHA-1, SHA-256, SHA-384 and SHA-512.
func ParseHashAlgorithm(s string) (sbom.HashAlgorithm, error) {
	switch strings.ReplaceAll(strings.ToLower(s), "-", "") {
	case "sha256":
		return sbom.SHA256, nil
	case "sha384":
		return sbom.SHA384, nil
	case "sha512":
		return sbom.SHA512, nil
	case "sha1":
		return sbom.SHA1, nil
	}
	return "", fmt.Errorf("unknown hash algorithm %q (want sha256, sha384, sha512 or sha1)", s)
}

// SourceOf maps a cargo-auditable source (crates.io, git, local, registry, or a registry's label) to a source.
// cargo-auditable removes URLs and revisions, so only the kind is known.
func SourceOf(s string) sbom.Source {
	switch s {
	case "crates.io":
		return sbom.Source{Kind: sbom.SourceCratesIO}
	case "git":
		return sbom.Source{Kind: sbom.SourceGit}
	case "local":
		return sbom.Source{Kind: sbom.SourcePath}
	case "registry":
		return sbom.Source{Kind: sbom.SourceRegistry}
	case "":
		return sbom.Source{}
	default:
		return sbom.Source{Kind: sbom.SourceRegistry, Label: s}
	}
}

// Document builds the document of a binary from its embedded data. The slices of a universal binary are merged:
// a crate appears once, runtime when any slice links it, and the binary depends on each slice's root.
func Document(f *auditable.File, art Artifact, created time.Time) *sbom.Document {
	doc := artifactDocument(art, created, sbom.OriginAuditable)
	doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropContainer, Value: string(f.Container)})
	byRef := map[string]int{}
	rootVersions := map[string]bool{}
	for _, s := range f.Slices {
		doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropArchitecture, Value: s.Arch})
		doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropAuditableFormat, Value: strconv.Itoa(s.Payload.Format)})
		if s.Compiler != "" {
			doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropRustc, Value: s.Compiler})
		}
		p := s.Payload
		refs := make([]string, len(p.Packages))
		for i, pkg := range p.Packages {
			refs[i] = sbom.CrateRef(pkg.Name, pkg.Version, SourceOf(pkg.Source))
		}
		depended := make([]bool, len(p.Packages))
		for _, pkg := range p.Packages {
			for _, d := range pkg.Dependencies {
				depended[d] = true
			}
		}
		for i, pkg := range p.Packages {
			scope := sbom.ScopeRuntime
			if pkg.Kind == "build" {
				scope = sbom.ScopeBuild
			}
			j, seen := byRef[refs[i]]
			if !seen {
				j = len(doc.Components)
				byRef[refs[i]] = j
				doc.Components = append(doc.Components, sbom.Component{
					Ref:     refs[i],
					Type:    sbom.TypeLibrary,
					Name:    pkg.Name,
					Version: pkg.Version,
					Source:  SourceOf(pkg.Source),
					Scope:   scope,
				})
			} else if scope == sbom.ScopeRuntime {
				doc.Components[j].Scope = sbom.ScopeRuntime
			}
			for _, d := range pkg.Dependencies {
				doc.Components[j].DependsOn = append(doc.Components[j].DependsOn, refs[d])
			}
			if pkg.Root || (p.Root() < 0 && !depended[i]) {
				doc.Subject.DependsOn = append(doc.Subject.DependsOn, refs[i])
				if pkg.Root {
					rootVersions[pkg.Version] = true
				}
			}
		}
		if p.Legacy {
			doc.Notes = append(doc.Notes, "Read from a pre-2022 cargo-auditable section, which records no dependency kinds: every crate is marked runtime.")
		} else if p.ProcMacroKindsUnreliable() {
			doc.Notes = append(doc.Notes, "The embedded data predates cargo-auditable's format 1: proc-macro crates and their dependencies, which only run at build time, may be marked runtime.")
		}
		if p.Root() < 0 {
			doc.Notes = append(doc.Notes, "The embedded data marks no root crate: the binary is shown depending on every crate nothing else depends on.")
		}
	}
	if len(rootVersions) == 1 {
		for v := range rootVersions {
			doc.Subject.Version = v
		}
	}
	doc.Normalize()
	return doc
}

// artifactDocument starts the document of a binary: the file as its subject, its path as a property.
func artifactDocument(art Artifact, created time.Time, origin sbom.Origin) *sbom.Document {
	doc := &sbom.Document{
		Subject: sbom.Component{
			Ref:    "artifact:" + artifactID(art),
			Type:   sbom.TypeApplication,
			Name:   art.Name,
			Hashes: slices.Clone(art.Hashes),
			NoPURL: true,
		},
		Created: created,
		Origin:  origin,
	}
	if art.Path != "" {
		doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropPath, Value: art.Path})
	}
	return doc
}

// artifactID names an artifact in refs: its path when it has one, else its name.
func artifactID(a Artifact) string {
	if a.Path != "" {
		return a.Path
	}
	return a.Name
}
