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
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"sync/atomic"
	"time"

	"github.com/ferroseal/ferroseal/internal/filehash"
	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/cargosbom"
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
	// IgnoreCargoSBOM leaves out cargo's SBOM precursor (NAME.cargo-sbom.json next to a binary on disk, written
	// by cargo -Z sbom). Otherwise it is read: preferred to the embedded data when both agree, used with a note
	// when the binary embeds none, and reported when they disagree (the embedded data is then used).
	IgnoreCargoSBOM bool
	// KnownSHA256, when set, is asked for the SHA-256 (hex) of a binary on disk before hashing it, given the path it
	// was named by and the open file: it returns it when already known for that very file (the command program hashes
	// the binary its command line names while it starts). Used only when SHA-256 is the one digest asked for.
	KnownSHA256 func(path string, f *os.File) (string, bool)
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
	// Precursor is the path of the cargo SBOM precursor read with the binary, if any; PrecursorConflicts say how
	// it disagrees with the embedded data (which the document then follows).
	Precursor          string
	PrecursorConflicts []string
}

// ReadFile reads the binary at path: its digests (the one full read of the file, streamed), its embedded data
// (headers and one section), and the document built from them. A binary without embedded data gives an error
// wrapping auditable.ErrNotAuditable, unless opts.Heuristic recovers crates from it.
func ReadFile(path string, opts Options) (*Result, error) {
	return readFile(path, Artifact{Name: filepath.Base(path)}, opts, true)
}

// readFile reads one binary. onDisk is false for a temporary copy (of an archive's member): only a binary on disk
// has cargo's SBOM precursor next to it, and a digest known from elsewhere.
func readFile(path string, art Artifact, opts Options, onDisk bool) (*Result, error) {
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
	known := ""
	if opts.KnownSHA256 != nil && onDisk && (len(opts.Hashes) == 0 || slices.Equal(opts.Hashes, []sbom.HashAlgorithm{sbom.SHA256})) {
		known, _ = opts.KnownSHA256(path, f)
	}
	if known != "" {
		hashed <- digest{hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: known}}}
	} else {
		go func() {
			h, err := digestFile(f, size, opts.Hashes, &stop)
			hashed <- digest{h, err}
		}()
	}
	af, aerr := auditable.Read(f, size, opts.Auditable)
	var pre *cargosbom.Precursor
	var prePath string
	if onDisk && !opts.IgnoreCargoSBOM && (aerr == nil || errors.Is(aerr, auditable.ErrNotAuditable)) {
		var perr error
		pre, prePath, perr = cargosbom.ReadFor(path)
		if perr != nil && !errors.Is(perr, cargosbom.ErrNone) {
			stop.Store(true)
			<-hashed
			return nil, perr
		}
		if pre != nil {
			aerr = nil // the precursor describes a binary without embedded data
		}
	}
	if aerr != nil && !(errors.Is(aerr, auditable.ErrNotAuditable) && opts.Heuristic) {
		stop.Store(true)
		<-hashed
		return nil, fmt.Errorf("%s: %w", path, aerr)
	}
	var doc *sbom.Document
	var herr error
	if af != nil {
		doc = Document(af, art, opts.Created)
	} else if pre == nil {
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
	res := &Result{Artifact: art, File: af, Doc: doc}
	if pre != nil {
		withPrecursor(res, pre, prePath, art, opts.Created)
	}
	res.Doc.Subject.Hashes = slices.Clone(d.hashes)
	res.Doc.Normalize()
	return res, nil
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
	d, err := newDigester(algs)
	if err != nil {
		return nil, err
	}
	bp := getCopyBuffer()
	defer putCopyBuffer(bp)
	if _, err := io.CopyBuffer(d.w, r, *bp); err != nil {
		return nil, err
	}
	return d.sums(), nil
}

// digestFile computes the digests of the first size bytes of f: from mappings of the file where the system
// allows (no copy), else read. It ends with an error once stop is set.
func digestFile(f *os.File, size int64, algs []sbom.HashAlgorithm, stop *atomic.Bool) ([]sbom.Hash, error) {
	d, err := newDigester(algs)
	if err != nil {
		return nil, err
	}
	bp := getCopyBuffer()
	defer putCopyBuffer(bp)
	if err := filehash.Copy(d.w, f, size, *bp, stop); err != nil {
		return nil, err
	}
	return d.sums(), nil
}

// digester computes several digests in one pass.
type digester struct {
	algs []sbom.HashAlgorithm
	hs   []hash.Hash
	w    io.Writer
}

func newDigester(algs []sbom.HashAlgorithm) (*digester, error) {
	if len(algs) == 0 {
		algs = []sbom.HashAlgorithm{sbom.SHA256}
	}
	d := &digester{algs: algs, hs: make([]hash.Hash, len(algs))}
	ws := make([]io.Writer, len(algs))
	for i, a := range algs {
		switch a {
		case sbom.SHA256:
			d.hs[i] = sha256.New()
		case sbom.SHA384:
			d.hs[i] = sha512.New384()
		case sbom.SHA512:
			d.hs[i] = sha512.New()
		case sbom.SHA1:
			d.hs[i] = sha1.New()
		default:
			return nil, fmt.Errorf("unsupported hash algorithm %q", a)
		}
		ws[i] = d.hs[i]
	}
	d.w = ws[0]
	if len(ws) > 1 {
		d.w = io.MultiWriter(ws...)
	}
	return d, nil
}

func (d *digester) sums() []sbom.Hash {
	out := make([]sbom.Hash, len(d.algs))
	for i, a := range d.algs {
		out[i] = sbom.Hash{Algorithm: a, Value: hex.EncodeToString(d.hs[i].Sum(nil))}
	}
	return out
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
	addFileProperties(doc, f)
	g := newGraphBuilder(doc)
	for _, s := range f.Slices {
		p := s.Payload
		nodes := make([]crateNode, len(p.Packages))
		for i, pkg := range p.Packages {
			nodes[i] = crateNode{name: pkg.Name, version: pkg.Version, source: SourceOf(pkg.Source),
				build: pkg.Kind == "build", deps: pkg.Dependencies, root: pkg.Root}
		}
		g.add(nodes)
		if p.Legacy {
			doc.Notes = append(doc.Notes, "Read from a pre-2022 cargo-auditable section, which records no dependency kinds: every crate is marked runtime.")
		} else if p.ProcMacroKindsUnreliable() {
			doc.Notes = append(doc.Notes, "The embedded data predates cargo-auditable's format 1: proc-macro crates and their dependencies, which only run at build time, may be marked runtime.")
		}
		if p.Root() < 0 {
			doc.Notes = append(doc.Notes, "The embedded data marks no root crate: the binary is shown depending on every crate nothing else depends on.")
		}
	}
	g.finish()
	doc.Normalize()
	return doc
}

// addFileProperties records what the binary itself says: its container format, and per slice its architecture,
// the format of its data and its compiler.
func addFileProperties(doc *sbom.Document, f *auditable.File) {
	doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropContainer, Value: string(f.Container)})
	for _, s := range f.Slices {
		doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropArchitecture, Value: s.Arch})
		doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropAuditableFormat, Value: strconv.Itoa(s.Payload.Format)})
		if s.Compiler != "" {
			doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropRustc, Value: s.Compiler})
		}
	}
}

// crateNode is a crate of a dependency graph, as a binary's data (embedded or cargo's precursor) gives it.
type crateNode struct {
	name, version string
	source        sbom.Source
	build         bool  // only needed to build
	deps          []int // indices into the graph's nodes
	root          bool
	props         []sbom.Property
}

// graphBuilder adds graphs of crates to a binary's document: a crate appears once (runtime when any graph links
// it at run time), and the binary depends on each graph's root.
type graphBuilder struct {
	doc          *sbom.Document
	byRef        map[string]int
	rootVersions map[string]bool
}

func newGraphBuilder(doc *sbom.Document) *graphBuilder {
	return &graphBuilder{doc: doc, byRef: map[string]int{}, rootVersions: map[string]bool{}}
}

// add adds one graph. A graph without a root (old data) is shown with the binary depending on every crate
// nothing else depends on.
func (g *graphBuilder) add(nodes []crateNode) {
	doc := g.doc
	refs := make([]string, len(nodes))
	hasRoot := false
	for i, n := range nodes {
		refs[i] = sbom.CrateRef(n.name, n.version, n.source)
		hasRoot = hasRoot || n.root
	}
	depended := make([]bool, len(nodes))
	for _, n := range nodes {
		for _, d := range n.deps {
			depended[d] = true
		}
	}
	for i, n := range nodes {
		scope := sbom.ScopeRuntime
		if n.build {
			scope = sbom.ScopeBuild
		}
		j, seen := g.byRef[refs[i]]
		if !seen {
			j = len(doc.Components)
			g.byRef[refs[i]] = j
			doc.Components = append(doc.Components, sbom.Component{
				Ref:        refs[i],
				Type:       sbom.TypeLibrary,
				Name:       n.name,
				Version:    n.version,
				Source:     n.source,
				Scope:      scope,
				Properties: n.props,
			})
		} else if scope == sbom.ScopeRuntime {
			doc.Components[j].Scope = sbom.ScopeRuntime
		}
		for _, d := range n.deps {
			doc.Components[j].DependsOn = append(doc.Components[j].DependsOn, refs[d])
		}
		if n.root || (!hasRoot && !depended[i]) {
			doc.Subject.DependsOn = append(doc.Subject.DependsOn, refs[i])
			if n.root {
				g.rootVersions[n.version] = true
			}
		}
	}
}

// finish gives the binary the version of its root crate, when all graphs agree on one.
func (g *graphBuilder) finish() {
	if len(g.rootVersions) == 1 {
		for v := range g.rootVersions {
			g.doc.Subject.Version = v
		}
	}
}

// artifactDocument starts the document of a binary: the file as its subject, its path as a property.
func artifactDocument(art Artifact, created time.Time, origin sbom.Origin) *sbom.Document {
	doc := &sbom.Document{
		Subject: sbom.Component{
			Ref:    "artifact:" + artifactID(art),
			Type:   sbom.TypeApplication,
			Name:   art.Name,
			Hashes: slices.Clone(art.Hashes),
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
