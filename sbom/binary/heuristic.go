package binary

import (
	"bytes"
	"io"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/ferroseal/ferroseal/sbom"
)

// HeuristicCrate is a crate whose source path the compiler left in a binary (in panic messages and debug info).
type HeuristicCrate struct {
	Name, Version string
	// Index is the registry directory the path names ("index.crates.io-6f17d22bba15001f",
	// "github.com-1ecc6299db9ec823"); it tells crates.io from other registries.
	Index string
}

var (
	// .../registry/src/INDEX/NAME-VERSION/ with / or \ separators. The version is semver with optional pre-release
	// and build metadata; the name is the longest prefix that leaves a version.
	// Compiled on first use: only --heuristic needs them, and every command would pay at start-up.
	registryPath = sync.OnceValue(func() *regexp.Regexp {
		return regexp.MustCompile(`registry[/\\]src[/\\]([A-Za-z0-9._-]{1,100})[/\\]([A-Za-z0-9_-]{1,64})-([0-9]+\.[0-9]+\.[0-9]+(?:-[0-9A-Za-z.-]{1,64})?(?:\+[0-9A-Za-z.-]{1,64})?)[/\\]`)
	})
	// /rustc/COMMIT/library/...: the standard library's sources, named by the compiler's commit.
	rustcPath = sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(`/rustc/([0-9a-f]{40})/library/`) })
)

// stdDependencies are crates the standard library itself is built from. Rust's own CI builds std with
// CARGO_HOME=/cargo, so their paths read /cargo/registry/src/...: found there, they are part of std, not of the
// program. Paths under /usr/local/cargo (CARGO_HOME in the official Docker images) are the program's. And when any
// of the program's own crates is found under a .../cargo/registry directory, a /cargo/ path says nothing about who
// compiled a crate, and every crate found is kept: an SBOM errs on the side of listing what is in the binary.
var stdDependencies = map[string]bool{
	"addr2line": true, "adler": true, "adler2": true, "cfg-if": true, "compiler_builtins": true, "dlmalloc": true,
	"fortanix-sgx-abi": true, "getopts": true, "gimli": true, "hashbrown": true, "hermit-abi": true, "libc": true,
	"memchr": true, "miniz_oxide": true, "object": true, "r-efi": true, "r-efi-alloc": true, "rustc-demangle": true,
	"rustc-std-workspace-alloc": true, "rustc-std-workspace-core": true, "rustc-std-workspace-std": true,
	"std_detect": true, "unicode-width": true, "unwind": true, "wasi": true,
}

// HeuristicResult is what a scan of a binary's bytes found.
type HeuristicResult struct {
	Crates []HeuristicCrate
	// RustcCommit is the compiler's commit hash, when the standard library's paths name it.
	RustcCommit string
	// StdCrates counts the standard library's own dependencies that were found and left out.
	StdCrates int
}

// Heuristic scans a binary for the registry source paths the compiler embeds (panic locations, debug info) and
// returns the crates they name. It reads the whole input once, in bounded chunks. The result is incomplete by
// nature: crates that never panic and carry no debug info leave no path, and paths can be remapped at build time.
func Heuristic(r io.Reader) (*HeuristicResult, error) {
	const chunk = 1 << 20
	const overlap = 512 // longer than any match
	buf := make([]byte, chunk+overlap)
	type key struct{ name, version, index string }
	found := map[key]bool{}
	std := map[key]bool{}
	programUnderCargo := false
	res := &HeuristicResult{}
	carry := 0
	for {
		n, err := io.ReadFull(r, buf[carry:])
		data := buf[:carry+n]
		for _, m := range registryPath().FindAllSubmatchIndex(data, -1) {
			if carry > 0 && m[1] <= carry {
				continue // entirely in the overlap: seen in the previous chunk
			}
			k := key{name: string(data[m[4]:m[5]]), version: string(data[m[6]:m[7]]), index: string(data[m[2]:m[3]])}
			before := data[:m[0]]
			underCargo := bytes.HasSuffix(before, []byte("/cargo/")) && !bytes.HasSuffix(before, []byte(".cargo/"))
			switch {
			case stdDependencies[k.name] && underCargo && !bytes.HasSuffix(before, []byte("/usr/local/cargo/")):
				std[k] = true
			case underCargo:
				programUnderCargo = true
				found[k] = true
			default:
				found[k] = true
			}
		}
		if res.RustcCommit == "" {
			if m := rustcPath().FindSubmatch(data); m != nil {
				res.RustcCommit = string(m[1])
			}
		}
		if err == io.EOF || err == io.ErrUnexpectedEOF {
			break
		}
		if err != nil {
			return nil, err
		}
		carry = copy(buf, data[len(data)-overlap:])
	}
	if programUnderCargo {
		for k := range std {
			found[k] = true
		}
		clear(std)
	}
	for k := range found {
		res.Crates = append(res.Crates, HeuristicCrate{Name: k.name, Version: k.version, Index: k.index})
	}
	slices.SortFunc(res.Crates, func(a, b HeuristicCrate) int {
		return strings.Compare(a.Name+"@"+a.Version+"@"+a.Index, b.Name+"@"+b.Version+"@"+b.Index)
	})
	res.StdCrates = len(std)
	return res, nil
}

// isCratesIOIndex reports whether a registry directory is crates.io's: "index.crates.io-HASH" (sparse) or
// "github.com-HASH" (the git index).
func isCratesIOIndex(dir string) bool {
	return strings.HasPrefix(dir, "index.crates.io-") || strings.HasPrefix(dir, "github.com-")
}

// HeuristicDocument builds an incomplete document from the crates a heuristic scan found.
func HeuristicDocument(h *HeuristicResult, art Artifact, created time.Time) *sbom.Document {
	doc := artifactDocument(art, created, sbom.OriginHeuristic)
	doc.Incomplete = true
	doc.Notes = []string{"No cargo-auditable data: these crates were recovered from registry source paths compiled " +
		"into the binary (panic locations, debug info). The list is incomplete and carries no dependency graph or " +
		"kinds; build with `cargo auditable build` for a complete one."}
	if h.RustcCommit != "" {
		doc.Properties = append(doc.Properties, sbom.Property{Name: PropRustcCommit, Value: h.RustcCommit})
	}
	seen := map[string]bool{}
	for _, c := range h.Crates {
		src := sbom.Source{Kind: sbom.SourceRegistry, Label: c.Index}
		if isCratesIOIndex(c.Index) {
			src = sbom.Source{Kind: sbom.SourceCratesIO}
		}
		ref := sbom.CrateRef(c.Name, c.Version, src)
		if seen[ref] {
			continue
		}
		seen[ref] = true
		doc.Components = append(doc.Components, sbom.Component{Ref: ref, Type: sbom.TypeLibrary, Name: c.Name, Version: c.Version, Source: src})
		doc.Subject.DependsOn = append(doc.Subject.DependsOn, ref)
	}
	doc.Normalize()
	return doc
}

// PropRustcCommit is the compiler's commit hash recovered from the standard library's source paths.
const PropRustcCommit = "ferroseal:rustc:commit-hash"
