package cargo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/ferroseal/ferroseal/internal/cargoname"
	"github.com/ferroseal/ferroseal/internal/limits"
)

// Sentinel errors of this package.
var (
	// ErrInvalidMetadata is wrapped by every error about the content of cargo metadata JSON.
	ErrInvalidMetadata = errors.New("invalid cargo metadata")
	// ErrCargoNotFound is returned when the cargo executable cannot be found.
	ErrCargoNotFound = errors.New("cargo not found")
	// ErrCargoFailed is returned when cargo ran and failed.
	ErrCargoFailed = errors.New("cargo failed")
	// ErrNoManifest is returned when the manifest to read does not exist.
	ErrNoManifest = errors.New("no Cargo.toml")
)

// Metadata is the part of `cargo metadata --format-version 1` that ferroseal reads.
type Metadata struct {
	Packages         []Package `json:"packages"`
	WorkspaceMembers []string  `json:"workspace_members"`
	Resolve          *Resolve  `json:"resolve"`
	// WorkspaceRoot is an absolute path of the machine that ran cargo: it is used to find Cargo.lock and is never
	// written into a document.
	WorkspaceRoot string `json:"workspace_root"`
	Version       int    `json:"version"`

	byID map[string]*Package
}

// Package is one package of the metadata.
type Package struct {
	Name          string       `json:"name"`
	Version       string       `json:"version"`
	ID            string       `json:"id"`
	Source        *string      `json:"source"`
	License       *string      `json:"license"`
	LicenseFile   *string      `json:"license_file"`
	Description   *string      `json:"description"`
	Authors       []string     `json:"authors"`
	Repository    *string      `json:"repository"`
	Homepage      *string      `json:"homepage"`
	Documentation *string      `json:"documentation"`
	Targets       []Target     `json:"targets"`
	Dependencies  []Dependency `json:"dependencies"`
	ManifestPath  string       `json:"manifest_path"`
	Publish       []string     `json:"publish"`
}

// Target is one build target of a package.
type Target struct {
	Name       string   `json:"name"`
	Kind       []string `json:"kind"`
	CrateTypes []string `json:"crate_types"`
}

// Dependency is a dependency as the package's manifest declares it.
type Dependency struct {
	Name     string  `json:"name"`
	Kind     *string `json:"kind"`
	Optional bool    `json:"optional"`
	Target   *string `json:"target"`
	Rename   *string `json:"rename"`
}

// Resolve is the resolved dependency graph.
type Resolve struct {
	Nodes []Node  `json:"nodes"`
	Root  *string `json:"root"`
}

// Node is one resolved package and its resolved dependencies.
type Node struct {
	ID       string    `json:"id"`
	Deps     []NodeDep `json:"deps"`
	Features []string  `json:"features"`
}

// NodeDep is one resolved dependency edge.
type NodeDep struct {
	Name     string    `json:"name"`
	Pkg      string    `json:"pkg"`
	DepKinds []DepKind `json:"dep_kinds"`
}

// DepKind is one way a dependency is declared: Kind is nil for a normal dependency, "build" or "dev".
type DepKind struct {
	Kind   *string `json:"kind"`
	Target *string `json:"target"`
}

// Str returns *p, or "" for nil.
func Str(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// Package returns the package with the given id, or nil.
func (m *Metadata) Package(id string) *Package { return m.byID[id] }

// IsProcMacro reports whether the package is a procedural macro crate, which runs in the compiler, not in the
// artifact.
func (p *Package) IsProcMacro() bool {
	for _, t := range p.Targets {
		for _, k := range t.Kind {
			if k == "proc-macro" {
				return true
			}
		}
	}
	return false
}

// HasBinary reports whether the package builds an executable.
func (p *Package) HasBinary() bool {
	for _, t := range p.Targets {
		for _, k := range t.Kind {
			if k == "bin" {
				return true
			}
		}
	}
	return false
}

// ProducesArtifact reports whether the package builds something that ships on its own: an executable, or a
// cdylib, staticlib or dylib library. A plain Rust library (rlib) and a proc-macro do not.
func (p *Package) ProducesArtifact() bool {
	for _, t := range p.Targets {
		for _, k := range append(append([]string(nil), t.Kind...), t.CrateTypes...) {
			switch k {
			case "bin", "cdylib", "staticlib", "dylib":
				return true
			}
		}
	}
	return false
}

// ReadMetadata reads and validates `cargo metadata --format-version 1` JSON. It checks that the resolve graph only
// names packages of the document and that the workspace members exist.
func ReadMetadata(r io.Reader) (*Metadata, error) {
	data, err := io.ReadAll(io.LimitReader(r, limits.MaxMetadataSize+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limits.MaxMetadataSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalidMetadata, limits.MaxMetadataSize)
	}
	var m Metadata
	dec := json.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&m); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidMetadata, err)
	}
	if dec.More() {
		return nil, fmt.Errorf("%w: trailing data after the JSON document", ErrInvalidMetadata)
	}
	if err := m.index(); err != nil {
		return nil, err
	}
	return &m, nil
}

func (m *Metadata) index() error {
	if m.Version != 1 {
		return fmt.Errorf("%w: format version %d, want 1 (cargo metadata --format-version 1)", ErrInvalidMetadata, m.Version)
	}
	if len(m.Packages) > limits.MaxPackages {
		return fmt.Errorf("%w: more than %d packages", ErrInvalidMetadata, limits.MaxPackages)
	}
	if m.Resolve == nil {
		return fmt.Errorf("%w: no resolve graph (do not pass --no-deps)", ErrInvalidMetadata)
	}
	m.byID = make(map[string]*Package, len(m.Packages))
	for i := range m.Packages {
		p := &m.Packages[i]
		if p.ID == "" {
			return fmt.Errorf("%w: package %d has no id", ErrInvalidMetadata, i+1)
		}
		if err := cargoname.ValidName(p.Name); err != nil {
			return fmt.Errorf("%w: package %d: %v", ErrInvalidMetadata, i+1, err)
		}
		if err := cargoname.ValidVersion(p.Version); err != nil {
			return fmt.Errorf("%w: package %d (%s): %v", ErrInvalidMetadata, i+1, p.Name, err)
		}
		if _, dup := m.byID[p.ID]; dup {
			return fmt.Errorf("%w: package %q listed twice", ErrInvalidMetadata, p.Name+" "+p.Version)
		}
		m.byID[p.ID] = p
	}
	if len(m.WorkspaceMembers) == 0 {
		return fmt.Errorf("%w: no workspace members", ErrInvalidMetadata)
	}
	for _, id := range m.WorkspaceMembers {
		if m.byID[id] == nil {
			return fmt.Errorf("%w: workspace member %q is not among the packages", ErrInvalidMetadata, id)
		}
	}
	edges := 0
	seen := make(map[string]bool, len(m.Resolve.Nodes))
	for _, n := range m.Resolve.Nodes {
		if m.byID[n.ID] == nil {
			return fmt.Errorf("%w: resolve node %q is not among the packages", ErrInvalidMetadata, n.ID)
		}
		if seen[n.ID] {
			return fmt.Errorf("%w: resolve node %q listed twice", ErrInvalidMetadata, n.ID)
		}
		seen[n.ID] = true
		edges += len(n.Deps)
		if edges > limits.MaxDependencies {
			return fmt.Errorf("%w: more than %d dependency edges", ErrInvalidMetadata, limits.MaxDependencies)
		}
		for _, d := range n.Deps {
			if m.byID[d.Pkg] == nil {
				return fmt.Errorf("%w: dependency %q of %q is not among the packages", ErrInvalidMetadata, d.Pkg, n.ID)
			}
		}
	}
	if r := m.Resolve.Root; r != nil && !seen[*r] {
		return fmt.Errorf("%w: resolve root %q is not a resolve node", ErrInvalidMetadata, *r)
	}
	return nil
}

// MetadataOptions are the arguments of a `cargo metadata` run.
type MetadataOptions struct {
	// ManifestPath is the Cargo.toml to read; "" means ./Cargo.toml.
	ManifestPath string
	// Features, AllFeatures and NoDefaultFeatures select features as for cargo build.
	Features          []string
	AllFeatures       bool
	NoDefaultFeatures bool
	// FilterPlatform restricts the resolve to one target triple; "" resolves for every platform.
	FilterPlatform string
	// Locked and Offline are passed to cargo.
	Locked  bool
	Offline bool
	// Cargo is the cargo executable; "" means $CARGO, then cargo on PATH.
	Cargo string
}

// CargoPath returns the cargo executable to run: explicit, else $CARGO, else "cargo" looked up on PATH.
func CargoPath(explicit string) (string, error) {
	c := explicit
	if c == "" {
		c = os.Getenv("CARGO")
	}
	if c == "" {
		c = "cargo"
	}
	p, err := exec.LookPath(c)
	if err != nil {
		return "", fmt.Errorf("%w: %s is not on PATH: install the Rust toolchain (https://rustup.rs), or pass --metadata FILE", ErrCargoNotFound, c)
	}
	return p, nil
}

// RunMetadata runs `cargo metadata --format-version 1` and reads its output.
func RunMetadata(ctx context.Context, opts MetadataOptions) (*Metadata, error) {
	manifest := opts.ManifestPath
	if manifest == "" {
		manifest = "Cargo.toml"
	}
	if st, err := os.Stat(manifest); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%w: %s does not exist", ErrNoManifest, manifest)
		}
		return nil, err
	} else if st.IsDir() {
		return nil, fmt.Errorf("%w: %s is a directory (give the path of its Cargo.toml)", ErrNoManifest, manifest)
	}
	cargo, err := CargoPath(opts.Cargo)
	if err != nil {
		return nil, err
	}
	abs, err := filepath.Abs(manifest)
	if err != nil {
		return nil, err
	}
	args := []string{"metadata", "--format-version", "1", "--manifest-path", abs}
	if len(opts.Features) > 0 {
		args = append(args, "--features", strings.Join(opts.Features, ","))
	}
	if opts.AllFeatures {
		args = append(args, "--all-features")
	}
	if opts.NoDefaultFeatures {
		args = append(args, "--no-default-features")
	}
	if opts.FilterPlatform != "" {
		args = append(args, "--filter-platform", opts.FilterPlatform)
	}
	if opts.Locked {
		args = append(args, "--locked")
	}
	if opts.Offline {
		args = append(args, "--offline")
	}
	cmd := exec.CommandContext(ctx, cargo, args...)
	var stdout bytes.Buffer
	stderr := &tailBuffer{max: 8 << 10}
	cmd.Stdout = &limitedWriter{w: &stdout, n: limits.MaxMetadataSize + 1}
	cmd.Stderr = stderr
	if err := cmd.Run(); err != nil {
		msg := condenseCargoError(stderr.String())
		if msg == "" {
			msg = err.Error()
		}
		return nil, fmt.Errorf("%w: cargo metadata for %s: %s", ErrCargoFailed, manifest, msg)
	}
	m, err := ReadMetadata(&stdout)
	if err != nil {
		return nil, fmt.Errorf("reading the output of cargo metadata for %s: %w", manifest, err)
	}
	return m, nil
}

// condenseCargoError reduces cargo's multi-line diagnostics to one line: the first "error:" line, the innermost
// one (often rustc's own, under "Caused by:"), and a "help:" line when cargo or rustc gives one.
func condenseCargoError(stderr string) string {
	var errs []string
	help := ""
	for _, line := range strings.Split(stderr, "\n") {
		line = strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(line, "error:"):
			errs = append(errs, strings.TrimSpace(strings.TrimPrefix(line, "error:")))
		case help == "" && (strings.HasPrefix(line, "= help:") || strings.HasPrefix(line, "help:")):
			help = strings.TrimSpace(strings.TrimPrefix(strings.TrimPrefix(line, "= "), "help:"))
		}
	}
	if len(errs) == 0 {
		return strings.Join(strings.Fields(stderr), " ")
	}
	msg := errs[0]
	if last := errs[len(errs)-1]; len(errs) > 1 && !strings.Contains(msg, last) {
		msg += ": " + last
	}
	if help != "" {
		msg += " (help: " + help + ")"
	}
	return msg
}

// limitedWriter accepts at most n bytes and fails after, so a runaway child cannot fill memory.
type limitedWriter struct {
	w io.Writer
	n int64
}

func (l *limitedWriter) Write(p []byte) (int, error) {
	if int64(len(p)) > l.n {
		return 0, fmt.Errorf("output larger than the limit")
	}
	l.n -= int64(len(p))
	return l.w.Write(p)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.buf = append(t.buf, p...)
	if over := len(t.buf) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string { return string(t.buf) }
