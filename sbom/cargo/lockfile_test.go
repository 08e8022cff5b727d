package cargo

import (
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferroseal/ferroseal/sbom"
)

// lockSummary renders a lockfile as "name version source checksum -> deps" lines for comparison.
func lockSummary(lf *Lockfile) []string {
	var out []string
	for _, p := range lf.Packages {
		line := p.Name + " " + p.Version
		if p.Source != "" {
			line += " (" + p.Source + ")"
		}
		if p.Checksum != "" {
			line += " sha256:" + p.Checksum[:8]
		}
		var deps []string
		for _, d := range p.Dependencies {
			deps = append(deps, lf.Packages[d].Name+" "+lf.Packages[d].Version)
		}
		if len(deps) > 0 {
			line += " -> " + strings.Join(deps, ", ")
		}
		out = append(out, line)
	}
	return out
}

func TestReadLockfileVersions(t *testing.T) {
	t.Parallel()
	const crates = "registry+https://github.com/rust-lang/crates.io-index"
	const git = "git+https://github.com/serde-rs/serde?branch=master#8f4d37c7ec9ad9a2a3b1e1b2e5a1d2e0f2b2c3d4"
	tests := []struct {
		file    string
		version int
		want    []string
	}{
		{
			file:    "v1.lock",
			version: 1,
			want: []string{
				"app 0.1.0 -> itoa 1.0.1, serde 1.0.152",
				"itoa 1.0.1 (" + crates + ") sha256:1aab8fc3",
				"serde 1.0.152 (" + crates + ") sha256:bb7d1f0d",
			},
		},
		{
			file:    "v2.lock",
			version: 1, // version 2 has no version field either; it is told apart only by its inline checksums
			want: []string{
				"app 0.1.0 -> itoa 0.4.8, itoa 1.0.1, serde 1.0.152",
				"itoa 0.4.8 (" + crates + ") sha256:b71991ff",
				"itoa 1.0.1 (" + crates + ") sha256:1aab8fc3",
				"serde 1.0.152 (" + crates + ") sha256:bb7d1f0d",
			},
		},
		{
			file:    "v3.lock",
			version: 3,
			want: []string{
				"app 0.1.0 -> helper 0.2.0, serde 1.0.152, serde 1.0.152",
				"helper 0.2.0 -> serde 1.0.152",
				"serde 1.0.152 (" + crates + ") sha256:bb7d1f0d",
				"serde 1.0.152 (" + git + ")",
			},
		},
		{
			file:    "v4.lock",
			version: 4,
			want: []string{
				"cfg-if 1.0.0 (" + crates + ")", // "Could not get crate checksum" is dropped, not fatal
				"log 0.4.17 (" + crates + ") sha256:abde4cb7 -> cfg-if 1.0.0",
				"private 2.0.0 (sparse+https://registry.example.com/index/) sha256:00000000",
				"tool 0.9.0 -> log 0.4.17, private 2.0.0",
				"tool-tests 0.9.0 -> tool 0.9.0",
				"other-root 1.0.0",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			t.Parallel()
			lf, err := ReadLockfileFile("testdata/lock/" + tt.file)
			if err != nil {
				t.Fatal(err)
			}
			if lf.Version != tt.version {
				t.Errorf("version = %d, want %d", lf.Version, tt.version)
			}
			if diff := cmp.Diff(tt.want, lockSummary(lf)); diff != "" {
				t.Errorf("packages (-want +got):\n%s", diff)
			}
		})
	}
}

func TestReadLockfileRejects(t *testing.T) {
	t.Parallel()
	pkg := func(name, version string, deps ...string) string {
		s := "[[package]]\nname = \"" + name + "\"\nversion = \"" + version + "\"\n"
		if len(deps) > 0 {
			s += "dependencies = [\"" + strings.Join(deps, "\", \"") + "\"]\n"
		}
		return s
	}
	tests := []struct {
		name  string
		input string
		want  string
	}{
		{name: "not toml", input: "[[package]\nname=", want: "toml"},
		{name: "future version", input: "version = 9\n" + pkg("a", "1.0.0"), want: "unsupported version 9"},
		{name: "unknown dependency", input: pkg("a", "1.0.0", "b"), want: `dependency "b" is not a package`},
		{name: "ambiguous dependency", input: pkg("a", "1.0.0", "b") + pkg("b", "1.0.0") + pkg("b", "2.0.0"), want: `dependency "b" is ambiguous`},
		{name: "malformed source", input: pkg("a", "1.0.0", "b 1.0.0 registry") + pkg("b", "1.0.0"), want: "malformed source"},
		{name: "duplicate package", input: pkg("a", "1.0.0") + pkg("a", "1.0.0"), want: "listed twice"},
		{name: "no version", input: "[[package]]\nname = \"a\"\n", want: "empty version"},
		{name: "name with a line break", input: pkg(`a\nPackageName: injected`, "1.0.0"), want: "not allowed in a crate name"},
		{name: "name closing a text block", input: pkg("a</text>", "1.0.0"), want: "not allowed in a crate name"},
		{name: "version not semver", input: pkg("a", `1.0.0\nPackageVersion: 9`), want: "not a semantic version"},
		{name: "wrong type", input: "[[package]]\nname = 3\nversion = \"1\"\n", want: "toml"},
		{name: "deep arrays", input: "x = " + strings.Repeat("[", 9) + strings.Repeat("]", 9) + "\n", want: "nested more than 8 deep"},
		{name: "deep inline tables", input: "x = " + strings.Repeat("{a=", 9) + "1" + strings.Repeat("}", 9) + "\n", want: "nested more than 8 deep"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := ReadLockfile(strings.NewReader(tt.input))
			if !errors.Is(err, ErrInvalidLockfile) {
				t.Fatalf("err = %v, want ErrInvalidLockfile", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestReadLockfileTooLarge(t *testing.T) {
	t.Parallel()
	huge := strings.NewReader("# " + strings.Repeat("x", 65<<20))
	if _, err := ReadLockfile(huge); !errors.Is(err, ErrInvalidLockfile) {
		t.Fatalf("err = %v, want ErrInvalidLockfile", err)
	}
}

func TestLockfileDocument(t *testing.T) {
	t.Parallel()
	lf, err := ReadLockfileFile("testdata/lock/v4.lock")
	if err != nil {
		t.Fatal(err)
	}
	doc, err := LockfileDocument(lf, LockfileOptions{Name: "tools"})
	if err != nil {
		t.Fatal(err)
	}
	// Two local crates have no dependents (tool-tests and other-root): the subject is a workspace over both.
	if doc.Subject.Ref != "workspace:tools" {
		t.Errorf("subject = %q, want workspace:tools", doc.Subject.Ref)
	}
	if diff := cmp.Diff([]string{"local:other-root@1.0.0", "local:tool-tests@0.9.0"}, doc.Subject.DependsOn); diff != "" {
		t.Errorf("subject depends on (-want +got):\n%s", diff)
	}
	got := map[string]string{}
	for _, c := range doc.Components {
		if c.Scope != sbom.ScopeUnknown {
			t.Errorf("%s: scope %q, want unknown from a lockfile", c.Ref, c.Scope)
		}
		got[c.Ref] = c.PURL() + " " + c.Hash(sbom.SHA256)
	}
	want := map[string]string{
		"pkg:cargo/cfg-if@1.0.0": "pkg:cargo/cfg-if@1.0.0 ",
		"pkg:cargo/log@0.4.17":   "pkg:cargo/log@0.4.17 abde4cb7a1d7a1e0e8a8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6",
		"pkg:cargo/private@2.0.0?repository_url=https:%2F%2Fregistry.example.com%2Findex%2F": "pkg:cargo/private@2.0.0?repository_url=https:%2F%2Fregistry.example.com%2Findex%2F 0000000000000000000000000000000000000000000000000000000000000001",
		"local:tool@0.9.0":       "pkg:generic/tool@0.9.0 ",
		"local:tool-tests@0.9.0": "pkg:generic/tool-tests@0.9.0 ",
		"local:other-root@1.0.0": "pkg:generic/other-root@1.0.0 ",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("components (-want +got):\n%s", diff)
	}
	if len(doc.Notes) != 1 || doc.Notes[0] != LockfileNote || !doc.AllTargets {
		t.Errorf("notes = %q, all targets = %v: the loss of scopes must be said", doc.Notes, doc.AllTargets)
	}

	// One root: it is the subject.
	lf1, err := ReadLockfileFile("testdata/lock/v3.lock")
	if err != nil {
		t.Fatal(err)
	}
	doc1, err := LockfileDocument(lf1, LockfileOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if doc1.Subject.Ref != "local:app@0.1.0" || len(doc1.Subject.DependsOn) != 3 {
		t.Errorf("subject = %q depending on %q, want local:app@0.1.0 with 3 dependencies", doc1.Subject.Ref, doc1.Subject.DependsOn)
	}
}

// TestLockfileDepthBeforeDecoding (class 12): lockfiles of deeply nested arrays or inline tables are refused before
// the TOML decoder sees them, quickly and with little memory; they used to kill the process with a stack overflow
// (10 MB of arrays) or take half a minute and gigabytes (24 KB of inline tables).
func TestLockfileDepthBeforeDecoding(t *testing.T) {
	for name, doc := range map[string]string{
		"arrays":        "x = " + strings.Repeat("[", 3<<20) + strings.Repeat("]", 3<<20) + "\n",
		"inline tables": "x = " + strings.Repeat("{a=", 8<<10) + "1" + strings.Repeat("}", 8<<10) + "\n",
	} {
		t.Run(name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			_, err := ReadLockfile(strings.NewReader(doc))
			runtime.ReadMemStats(&after)
			if !errors.Is(err, ErrInvalidLockfile) || !strings.Contains(err.Error(), "nested more than") {
				t.Errorf("err = %v", err)
			}
			if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
				t.Errorf("allocated %d MiB", alloc>>20)
			}
		})
	}
	// Brackets inside strings and comments are not nesting.
	quoted := "# [[[[[[[[[[\n" + `x = "[[[[[[[[[[{{{{{{{{"` + "\n" + `y = '[[[[[[[[[['` + "\n" + "z = \"\"\"\n[[[[[[[[[[\n\"\"\"\n" +
		"w = '''\n{{{{{{{{{{'''\n" + `v = "\"[[[[[[[[[["` + "\n" + "[[package]]\nname = \"a\"\nversion = \"1.0.0\"\n"
	if lf, err := ReadLockfile(strings.NewReader(quoted)); err != nil || len(lf.Packages) != 1 {
		t.Errorf("brackets in strings and comments: %v", err)
	}
}
