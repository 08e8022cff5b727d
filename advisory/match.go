package advisory

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/ferroseal/ferroseal/sbom"
)

// Target is one platform the artifact was built for, as far as it is known: the container format it was read from
// (elf, pe, macho, wasm) or a target triple, and the architecture (Rust's target_arch names).
type Target struct {
	Container string `json:"container,omitempty"`
	Triple    string `json:"triple,omitempty"`
	Arch      string `json:"arch,omitempty"`
}

func (t Target) String() string {
	var parts []string
	for _, s := range []string{t.Triple, t.Container, t.Arch} {
		if s != "" && !slices.Contains(parts, s) {
			parts = append(parts, s)
		}
	}
	return strings.Join(parts, " ")
}

// appleOS and friends are Rust's target_os values by the container format that carries them.
var (
	appleOS = []string{"macos", "ios", "tvos", "watchos", "visionos"}
	peOS    = []string{"windows", "uefi"}
	wasmOS  = []string{"wasi", "unknown", "emscripten", "none"}
)

// mayRunOn reports whether the target can be an os target (false only when it is known not to be).
func (t Target) mayRunOn(os string) bool {
	if t.Triple != "" {
		return tripleOS(t.Triple) == "" || tripleOS(t.Triple) == os
	}
	switch t.Container {
	case "pe":
		return slices.Contains(peOS, os)
	case "macho", "macho-universal":
		return slices.Contains(appleOS, os)
	case "wasm":
		return slices.Contains(wasmOS, os)
	case "elf":
		return !slices.Contains(peOS, os) && !slices.Contains(appleOS, os)
	}
	return true
}

// mayBe reports whether the target's architecture can be arch.
func (t Target) mayBe(arch string) bool {
	a := t.Arch
	if a == "" && t.Triple != "" {
		a, _, _ = strings.Cut(t.Triple, "-")
	}
	switch {
	case a == "":
		return true
	case arch == a:
		return true
	case arch == "x86" && (a == "i686" || a == "i586" || a == "i386"):
		return true
	case arch == "powerpc64" && a == "powerpc64le":
		return true
	case arch == "arm" && strings.HasPrefix(a, "arm") && a != "arm64":
		return true
	case arch == "aarch64" && a == "arm64":
		return true
	case arch == "riscv64" && strings.HasPrefix(a, "riscv64"):
		return true
	}
	return false
}

// tripleOS is the target_os of a target triple, "" when it cannot tell.
func tripleOS(triple string) string {
	switch {
	case strings.Contains(triple, "-windows"):
		return "windows"
	case strings.Contains(triple, "-apple-darwin"):
		return "macos"
	case strings.Contains(triple, "-apple-ios"):
		return "ios"
	case strings.Contains(triple, "-linux-android"):
		return "android"
	case strings.Contains(triple, "-linux"):
		return "linux"
	case strings.Contains(triple, "-wasi"):
		return "wasi"
	}
	for _, os := range []string{"freebsd", "netbsd", "openbsd", "dragonfly", "illumos", "solaris", "fuchsia", "emscripten"} {
		if strings.Contains(triple, "-"+os) {
			return os
		}
	}
	if strings.HasSuffix(triple, "-unknown-unknown") {
		return "unknown"
	}
	return ""
}

// Targets are the platforms a document's binaries were built for: every binary's container and architectures, or
// the target triple cargo resolved for. None when the document does not say (a Cargo.lock, another tool's SBOM).
func Targets(doc *sbom.Document) []Target {
	var out []Target
	add := func(props []sbom.Property) {
		container := ""
		var arches []string
		for _, p := range props {
			switch p.Name {
			case sbom.PropContainer:
				container = p.Value
			case sbom.PropArchitecture:
				arches = append(arches, p.Value)
			case "cdx:rustc:sbom:target:triple":
				out = append(out, Target{Triple: p.Value})
			}
		}
		if container == "" {
			return
		}
		if len(arches) == 0 {
			arches = []string{""}
		}
		for _, a := range arches {
			t := Target{Container: container, Arch: a}
			if !slices.Contains(out, t) {
				out = append(out, t)
			}
		}
	}
	add(doc.Properties)
	add(doc.Subject.Properties)
	for _, c := range doc.Components {
		add(c.Properties)
	}
	return out
}

// Status is a finding's verdict.
type Status string

// Verdicts, named as VEX names them.
const (
	Affected    Status = "affected"
	NotAffected Status = "not_affected"
	// Fixed: the crate is at a version with the advisory's fix.
	Fixed Status = "fixed"
)

// Finding is one advisory about one crate in the artifact.
type Finding struct {
	Advisory *Advisory `json:"advisory"`
	Crate    string    `json:"crate"`
	Version  string    `json:"version"`
	PURL     string    `json:"purl,omitempty"`
	Ref      string    `json:"ref"`
	// Scope is runtime (in the artifact) or build (ran on the build machine only).
	Scope  string `json:"scope"`
	Status Status `json:"status"`
	// Reason says why a finding is not affected: the target rule, or the ignore list's reason.
	Reason string `json:"reason,omitempty"`
	// Justification is the VEX justification of a not_affected finding.
	Justification string `json:"justification,omitempty"`
	// Ignored is set when the ignore list named the advisory.
	Ignored bool `json:"ignored,omitempty"`
	// Functions are hints from the binary's symbol table about the advisory's affected functions.
	Functions []FunctionHint `json:"functions,omitempty"`
}

// Warning reports whether the finding is informational (unmaintained, unsound, notice, or a kind not known here).
func (f *Finding) Warning() bool { return f.Advisory.Informational != "" }

// FunctionHint says whether a binary's symbol table names an affected function: a hint, never a proof (inlined
// code has no symbol; a symbol may be dead code).
type FunctionHint struct {
	Path    string `json:"path"`
	Present bool   `json:"present"`
}

// Report is what an audit found about one artifact (or SBOM, or Cargo.lock).
type Report struct {
	// Subject names what was audited, with its digests when it is a file.
	Subject string `json:"subject"`
	// PURL is the subject's package URL, when the document gives one.
	PURL string `json:"purl,omitempty"`
	// Path is the file audited, as given.
	Path    string            `json:"path,omitempty"`
	Digest  map[string]string `json:"digest,omitempty"`
	Targets []Target          `json:"targets,omitempty"`
	// Crates is how many crates were matched against the database.
	Crates   int       `json:"crates"`
	Findings []Finding `json:"findings"`
	// NotMatched are crates that no crates.io advisory can be about (git and other registries' crates), by
	// name@version and source.
	NotMatched []string `json:"notMatched,omitempty"`
}

// Vulnerabilities are the runtime findings that are affected and not warnings.
func (r *Report) Vulnerabilities() []Finding {
	return r.filter(func(f *Finding) bool { return f.Scope == "runtime" && f.Status == Affected && !f.Warning() })
}

// Warnings are the affected informational findings.
func (r *Report) Warnings() []Finding {
	return r.filter(func(f *Finding) bool { return f.Status == Affected && f.Warning() })
}

// BuildOnly are the affected findings about crates that ran on the build machine only.
func (r *Report) BuildOnly() []Finding {
	return r.filter(func(f *Finding) bool { return f.Scope == "build" && f.Status == Affected && !f.Warning() })
}

func (r *Report) filter(keep func(*Finding) bool) []Finding {
	var out []Finding
	for i := range r.Findings {
		if keep(&r.Findings[i]) {
			out = append(out, r.Findings[i])
		}
	}
	return out
}

// Options tune an audit.
type Options struct {
	// Ignore maps advisory ids (or aliases) to the reason they are ignored: such findings are not_affected, with
	// the reason.
	Ignore map[string]string
	// Symbols, when set, tells whether the artifact's symbol table names a function (a Rust path); nil when the
	// artifact has no symbols to look at.
	Symbols func(path string) bool
}

// Audit matches a document's crates against the database. crates.io crates are matched by name and version; git
// and other registries' crates are listed as not matched (an advisory about a crates.io crate says nothing about
// them); local crates and development-only crates are left out. Advisories whose affected operating systems or
// architectures exclude every target of the artifact are reported not_affected with that reason.
func Audit(db *DB, doc *sbom.Document, opts Options) *Report {
	r := &Report{Subject: doc.Subject.Name, PURL: doc.Subject.PURL(), Targets: Targets(doc)}
	if len(doc.Subject.Hashes) > 0 {
		r.Digest = map[string]string{}
		for _, h := range doc.Subject.Hashes {
			r.Digest[strings.ToLower(strings.ReplaceAll(string(h.Algorithm), "-", ""))] = h.Value
		}
	}
	for _, c := range doc.Components {
		if c.Scope == sbom.ScopeDev {
			continue
		}
		switch c.Source.Kind {
		case sbom.SourceCratesIO:
		case sbom.SourceGit, sbom.SourceRegistry:
			r.NotMatched = append(r.NotMatched, fmt.Sprintf("%s@%s (%s)", c.Name, c.Version, c.Source.Kind))
			continue
		default:
			continue
		}
		v, err := ParseVersion(c.Version)
		if err != nil {
			r.NotMatched = append(r.NotMatched, fmt.Sprintf("%s@%s (not a semantic version)", c.Name, c.Version))
			continue
		}
		r.Crates++
		scope := "runtime"
		if c.Scope == sbom.ScopeBuild {
			scope = "build"
		}
		for _, a := range db.For(c.Name) {
			if a.PatchedIn(v) {
				r.Findings = append(r.Findings, Finding{Advisory: a, Crate: c.Name, Version: c.Version, PURL: c.PURL(), Ref: c.Ref, Scope: scope, Status: Fixed})
				continue
			}
			if !a.Affects(v) {
				continue
			}
			f := Finding{Advisory: a, Crate: c.Name, Version: c.Version, PURL: c.PURL(), Ref: c.Ref, Scope: scope, Status: Affected}
			if why := excludedBy(a, r.Targets); why != "" {
				f.Status, f.Reason, f.Justification = NotAffected, why, "vulnerable_code_not_present"
			}
			if reason, ok := ignored(opts.Ignore, a); ok && f.Status == Affected {
				// No VEX justification fits a decision in general: the reason is the statement's impact statement.
				f.Status, f.Ignored, f.Reason = NotAffected, true, reason
			}
			if opts.Symbols != nil && scope == "runtime" {
				for _, fn := range sortedKeys(a.Functions) {
					if inVersions(a.Functions[fn], v) {
						f.Functions = append(f.Functions, FunctionHint{Path: fn, Present: opts.Symbols(fn)})
					}
				}
			}
			r.Findings = append(r.Findings, f)
		}
	}
	sort.SliceStable(r.Findings, func(i, j int) bool {
		a, b := r.Findings[i], r.Findings[j]
		if a.Advisory.ID != b.Advisory.ID {
			return a.Advisory.ID < b.Advisory.ID
		}
		return a.Crate+"@"+a.Version < b.Crate+"@"+b.Version
	})
	sort.Strings(r.NotMatched)
	return r
}

// excludedBy says why no target of the artifact is affected by the advisory, or "" when one may be (or the
// targets are not known).
func excludedBy(a *Advisory, targets []Target) string {
	if len(targets) == 0 || len(a.OS) == 0 && len(a.Arch) == 0 {
		return ""
	}
	for _, t := range targets {
		osOK := len(a.OS) == 0 || slices.ContainsFunc(a.OS, t.mayRunOn)
		archOK := len(a.Arch) == 0 || slices.ContainsFunc(a.Arch, t.mayBe)
		if osOK && archOK {
			return ""
		}
	}
	var names []string
	for _, t := range targets {
		names = append(names, t.String())
	}
	var only []string
	if len(a.OS) > 0 {
		only = append(only, "os "+strings.Join(a.OS, ", "))
	}
	if len(a.Arch) > 0 {
		only = append(only, "arch "+strings.Join(a.Arch, ", "))
	}
	return fmt.Sprintf("the advisory affects %s only; the artifact is built for %s", strings.Join(only, "; "), strings.Join(names, "; "))
}

func ignored(list map[string]string, a *Advisory) (string, bool) {
	for _, id := range append([]string{a.ID}, a.Aliases...) {
		if reason, ok := list[id]; ok {
			if reason == "" {
				reason = "ignored by the audit configuration"
			}
			return reason, true
		}
	}
	return "", false
}

// inVersions reports whether v is in any of the requirements (no requirement: every version).
func inVersions(reqs []string, v Version) bool {
	if len(reqs) == 0 {
		return true
	}
	for _, s := range reqs {
		if r, err := ParseReq(s); err == nil && r.Matches(v) {
			return true
		}
	}
	return false
}

func sortedKeys(m map[string][]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
