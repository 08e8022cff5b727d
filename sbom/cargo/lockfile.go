package cargo

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"

	"github.com/BurntSushi/toml"

	"github.com/ferroseal/ferroseal/internal/cargoname"
	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/limits"
)

// ErrInvalidLockfile is wrapped by every error about the content of a Cargo.lock.
var ErrInvalidLockfile = errors.New("invalid Cargo.lock")

// Lockfile is a parsed Cargo.lock.
type Lockfile struct {
	// Version is the lockfile format: 1 and 2 have no version field (2 keeps checksums inline), 3 and 4 say so.
	Version  int
	Packages []LockPackage
}

// LockPackage is one [[package]] of a Cargo.lock, with its dependencies resolved to indices.
type LockPackage struct {
	Name    string
	Version string
	// Source is cargo's source id; empty for a local crate.
	Source string
	// Checksum is the SHA-256 of the .crate file in lowercase hex; empty when absent or not hex.
	Checksum string
	// Dependencies are indices into Lockfile.Packages.
	Dependencies []int
}

var hex64 = regexp.MustCompile(`^[0-9a-f]{64}$`)

type lockTOML struct {
	Version  *int              `toml:"version"`
	Root     *lockPackageTOML  `toml:"root"` // version 1 written by old cargo
	Package  []lockPackageTOML `toml:"package"`
	Metadata map[string]any    `toml:"metadata"`
}

type lockPackageTOML struct {
	Name         string   `toml:"name"`
	Version      string   `toml:"version"`
	Source       string   `toml:"source"`
	Checksum     string   `toml:"checksum"`
	Dependencies []string `toml:"dependencies"`
}

// ReadLockfileFile reads and parses the Cargo.lock at path.
func ReadLockfileFile(path string) (*Lockfile, error) {
	f, _, err := inputfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	lf, err := ReadLockfile(f)
	if err != nil {
		return nil, fmt.Errorf("reading %s: %w", path, err)
	}
	return lf, nil
}

// ReadLockfile parses a Cargo.lock of format version 1 to 4. Checksums that are not 64 hex digits (some
// distributions write placeholder text) are dropped, not fatal.
func ReadLockfile(r io.Reader) (*Lockfile, error) {
	data, err := io.ReadAll(io.LimitReader(r, limits.MaxLockfileSize+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limits.MaxLockfileSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalidLockfile, limits.MaxLockfileSize)
	}
	if err := checkTOMLDepth(data, maxLockDepth); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidLockfile, err)
	}
	var raw lockTOML
	if _, err := toml.NewDecoder(bytes.NewReader(data)).Decode(&raw); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidLockfile, err)
	}
	lf := &Lockfile{Version: 1}
	if raw.Version != nil {
		if *raw.Version < 3 || *raw.Version > 4 {
			return nil, fmt.Errorf("%w: unsupported version %d", ErrInvalidLockfile, *raw.Version)
		}
		lf.Version = *raw.Version
	}
	pkgs := raw.Package
	if raw.Root != nil {
		pkgs = append([]lockPackageTOML{*raw.Root}, pkgs...)
	}
	if len(pkgs) > limits.MaxPackages {
		return nil, fmt.Errorf("%w: more than %d packages", ErrInvalidLockfile, limits.MaxPackages)
	}

	// Version 1 keeps checksums in [metadata] as "checksum NAME VERSION (SOURCE)" = "HEX".
	v1sums := map[string]string{}
	for k, v := range raw.Metadata {
		if s, ok := v.(string); ok && strings.HasPrefix(k, "checksum ") {
			v1sums[strings.TrimPrefix(k, "checksum ")] = s
		}
	}

	type key struct{ name, version, source string }
	byKey := make(map[key]int, len(pkgs))
	byName := map[string][]int{}
	byNameVersion := map[[2]string][]int{}
	for i, p := range pkgs {
		// Names and versions become package URLs, identifiers and lines of output: cargo's grammar, or nothing.
		if err := cargoname.ValidName(p.Name); err != nil {
			return nil, fmt.Errorf("%w: package %d: %v", ErrInvalidLockfile, i+1, err)
		}
		if err := cargoname.ValidVersion(p.Version); err != nil {
			return nil, fmt.Errorf("%w: package %d (%s): %v", ErrInvalidLockfile, i+1, p.Name, err)
		}
		k := key{p.Name, p.Version, p.Source}
		if _, dup := byKey[k]; dup {
			return nil, fmt.Errorf("%w: package %s %s listed twice", ErrInvalidLockfile, p.Name, p.Version)
		}
		byKey[k] = i
		byName[p.Name] = append(byName[p.Name], i)
		byNameVersion[[2]string{p.Name, p.Version}] = append(byNameVersion[[2]string{p.Name, p.Version}], i)
		sum := p.Checksum
		if sum == "" {
			id := p.Name + " " + p.Version
			if p.Source != "" {
				id += " (" + p.Source + ")"
			}
			sum = v1sums[id]
		}
		if !hex64.MatchString(sum) {
			sum = ""
		}
		lf.Packages = append(lf.Packages, LockPackage{Name: p.Name, Version: p.Version, Source: p.Source, Checksum: sum})
	}
	edges := 0
	for i, p := range pkgs {
		edges += len(p.Dependencies)
		if edges > limits.MaxDependencies {
			return nil, fmt.Errorf("%w: more than %d dependencies", ErrInvalidLockfile, limits.MaxDependencies)
		}
		for _, d := range p.Dependencies {
			j, err := resolveLockDep(d, func(name, version, source string) []int {
				switch {
				case source != "":
					if j, ok := byKey[key{name, version, source}]; ok {
						return []int{j}
					}
					return nil
				case version != "":
					return byNameVersion[[2]string{name, version}]
				default:
					return byName[name]
				}
			})
			if err != nil {
				return nil, fmt.Errorf("%w: package %s %s: %v", ErrInvalidLockfile, p.Name, p.Version, err)
			}
			lf.Packages[i].Dependencies = append(lf.Packages[i].Dependencies, j)
		}
	}
	return lf, nil
}

// resolveLockDep resolves one entry of a dependencies list: "name", "name version" or "name version (source)".
func resolveLockDep(s string, find func(name, version, source string) []int) (int, error) {
	name, rest, _ := strings.Cut(strings.TrimSpace(s), " ")
	version, source, _ := strings.Cut(rest, " ")
	if source != "" {
		if !strings.HasPrefix(source, "(") || !strings.HasSuffix(source, ")") {
			return 0, fmt.Errorf("dependency %q: malformed source", s)
		}
		source = source[1 : len(source)-1]
	}
	if name == "" {
		return 0, fmt.Errorf("empty dependency")
	}
	switch m := find(name, version, source); len(m) {
	case 1:
		return m[0], nil
	case 0:
		return 0, fmt.Errorf("dependency %q is not a package of the lockfile", s)
	default:
		return 0, fmt.Errorf("dependency %q is ambiguous", s)
	}
}

// Find returns the index of the package with the given name, version and source id, or -1.
func (lf *Lockfile) Find(name, version, source string) int {
	for i, p := range lf.Packages {
		if p.Name == name && p.Version == version && p.Source == source {
			return i
		}
	}
	return -1
}
