package cargosbom

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/sbom"
)

func TestParsePackageIDSpec(t *testing.T) {
	for _, tc := range []struct {
		spec, name, version string
		src                 sbom.Source
	}{
		{"registry+https://github.com/rust-lang/crates.io-index#serde@1.0.152", "serde", "1.0.152", sbom.Source{Kind: sbom.SourceCratesIO}},
		{"sparse+https://index.crates.io/#serde@1.0.152", "serde", "1.0.152", sbom.Source{Kind: sbom.SourceCratesIO}},
		{"path+file:///src/workspace/greet#0.2.0", "greet", "0.2.0", sbom.Source{Kind: sbom.SourcePath}},
		{"path+file:///src/workspace/app#ws-app@0.3.1", "ws-app", "0.3.1", sbom.Source{Kind: sbom.SourcePath}},
		{"path+file:///C:/src/app/#1.0.0-rc.1+build.5", "app", "1.0.0-rc.1+build.5", sbom.Source{Kind: sbom.SourcePath}},
		{"git+https://github.com/rust-lang/cargo?branch=master#cargo-util@0.2.14", "cargo-util", "0.2.14",
			sbom.Source{Kind: sbom.SourceGit, URL: "https://github.com/rust-lang/cargo"}},
		{"git+https://user:token@example.com/org/tool.git?rev=abc#tool@0.1.0", "tool", "0.1.0",
			sbom.Source{Kind: sbom.SourceGit, URL: "https://example.com/org/tool.git"}},
		{"sparse+https://my-registry.example/index/#internal@2.0.0", "internal", "2.0.0",
			sbom.Source{Kind: sbom.SourceRegistry, URL: "https://my-registry.example/index/"}},
		{"registry+file:///home/me/mirror#vendored@1.0.0", "vendored", "1.0.0", sbom.Source{Kind: sbom.SourceRegistry}},
	} {
		name, version, src, err := ParsePackageIDSpec(tc.spec)
		if err != nil {
			t.Errorf("%s: %v", tc.spec, err)
			continue
		}
		if name != tc.name || version != tc.version || src != tc.src {
			t.Errorf("%s: got %s %s %+v, want %s %s %+v", tc.spec, name, version, src, tc.name, tc.version, tc.src)
		}
	}
	for _, bad := range []string{
		"", "serde", "serde@1.0.0", "#1.0.0", "registry+https://x/index#serde",
		"registry+https://x/index#../etc@1.0.0", "registry+https://x/index#serde@1.0", "path+file:///#1.0.0",
		"registry+https://x/index#ser de@1.0.0", "registry+https://x/index#serde@1.0.0\n", "registry+https://x/index#serde@1.0.0\x1b[2J",
		"registry+https://x/" + strings.Repeat("a", 5000) + "#serde@1.0.0",
		"git+https://example.com/org/tool.git#0.1.0", // "tool.git" is no crate name: cargo writes tool.git#tool@0.1.0
	} {
		if n, v, _, err := ParsePackageIDSpec(bad); err == nil {
			t.Errorf("%q: accepted as %s %s", bad, n, v)
		}
	}
	// An error never repeats the URL, which may hold credentials.
	if _, _, _, err := ParsePackageIDSpec("git+https://user:s3cret@example.com/tool#1.0"); err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("error %v", err)
	}
}

func readPrecursorFixture(t *testing.T, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "precursor", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// The precursor cargo wrote for the example workspace's binary (see testdata/precursor/README.md): its units
// merged into crates, the build-only ones found through the edge kinds, no local path kept.
func TestPackages(t *testing.T) {
	pre, err := Parse(readPrecursorFixture(t, "ws-app.cargo-sbom.json"))
	if err != nil {
		t.Fatal(err)
	}
	if pre.Target != "x86_64-unknown-linux-gnu" || pre.Rustc.Version == "" {
		t.Errorf("target %q, rustc %q", pre.Target, pre.Rustc.Version)
	}
	pkgs := pre.Packages()
	if len(pkgs) != 13 || len(pre.Units) != 21 {
		t.Fatalf("%d units merged into %d crates, want 21 into 13", len(pre.Units), len(pkgs))
	}
	byName := map[string]Package{}
	for _, p := range pkgs {
		byName[p.Name] = p
		if p.Source.URL != "" && p.Source.Kind != sbom.SourceRegistry {
			t.Errorf("%s: unexpected URL %q", p.Name, p.Source.URL)
		}
	}
	runtime := []string{"greet", "itoa", "ryu", "serde", "serde_json", "ws-app"}
	build := []string{"autocfg", "greet-macros", "proc-macro2", "quote", "serde_derive", "syn", "unicode-ident"}
	for _, n := range runtime {
		if p, ok := byName[n]; !ok || p.Build {
			t.Errorf("%s: want runtime, got %+v", n, p)
		}
	}
	for _, n := range build {
		if p, ok := byName[n]; !ok || !p.Build {
			t.Errorf("%s: want build, got %+v", n, p)
		}
	}
	root := byName["ws-app"]
	if !root.Root || root.Version != "0.3.1" || root.Source.Kind != sbom.SourcePath {
		t.Errorf("root: %+v", root)
	}
	var deps []string
	for _, d := range root.Deps {
		deps = append(deps, pkgs[d].Name)
	}
	slices.Sort(deps)
	if want := []string{"autocfg", "greet", "serde", "serde_json"}; !slices.Equal(deps, want) {
		t.Errorf("ws-app depends on %v, want %v (its build script's autocfg included)", deps, want)
	}
	if s := byName["serde"]; !slices.Equal(s.Features, []string{"default", "derive", "serde_derive", "std"}) ||
		!slices.Equal(s.Kinds, []string{"custom-build", "lib"}) {
		t.Errorf("serde: features %v, kinds %v", s.Features, s.Kinds)
	}
	if !slices.Contains(byName["serde_derive"].Kinds, "proc-macro") {
		t.Errorf("serde_derive kinds %v", byName["serde_derive"].Kinds)
	}
}

// A build dependency's own normal dependencies stay build: runtime is reached through normal edges only, and a
// crate reached both ways is runtime.
func TestPrecursorScopes(t *testing.T) {
	const crates = `"crates":[
	{"id":"path+file:///w/app#1.0.0","kind":["bin"],"dependencies":[{"index":1,"kind":"normal"},{"index":2,"kind":"build"}]},
	{"id":"registry+https://github.com/rust-lang/crates.io-index#shared@1.0.0","kind":["lib"]},
	{"id":"registry+https://github.com/rust-lang/crates.io-index#gen@1.0.0","kind":["lib"],"dependencies":[{"index":1,"kind":"normal"},{"index":3,"kind":"normal"}]},
	{"id":"registry+https://github.com/rust-lang/crates.io-index#only-build@1.0.0","kind":["lib"]}]`
	pre, err := Parse([]byte(`{"version":1,"root":0,` + crates + `}`))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, p := range pre.Packages() {
		got[p.Name] = p.Build
	}
	want := map[string]bool{"app": false, "shared": false, "gen": true, "only-build": true}
	for n, b := range want {
		if got[n] != b {
			t.Errorf("%s: build=%v, want %v", n, got[n], b)
		}
	}
}

func TestParsePrecursorHostile(t *testing.T) {
	valid := string(readPrecursorFixture(t, "ws-app.cargo-sbom.json"))
	for _, tc := range []struct{ name, doc, want string }{
		{"empty", ``, "not a JSON object"},
		{"array", `[]`, "not a JSON object"},
		{"version 2", `{"version":2,"root":0,"crates":[{"id":"path+file:///a#1.0.0"}]}`, "version 2"},
		{"no version", `{"root":0,"crates":[{"id":"path+file:///a#1.0.0"}]}`, "version 0"},
		{"no crates", `{"version":1,"root":0,"crates":[]}`, "0 units"},
		{"root out of range", `{"version":1,"root":1,"crates":[{"id":"path+file:///a#1.0.0"}]}`, "root 1 out of range"},
		{"negative root", `{"version":1,"root":-1,"crates":[{"id":"path+file:///a#1.0.0"}]}`, "root -1 out of range"},
		{"index out of range", `{"version":1,"root":0,"crates":[{"id":"path+file:///a#1.0.0","dependencies":[{"index":7,"kind":"normal"}]}]}`, "index 7 out of range"},
		{"unknown kind", `{"version":1,"root":0,"crates":[{"id":"path+file:///a#1.0.0","dependencies":[{"index":0,"kind":"runtime"}]}]}`, `unknown dependency kind "runtime"`},
		{"bad id", `{"version":1,"root":0,"crates":[{"id":"a b"}]}`, "unit 0"},
		{"bad version", `{"version":1,"root":0,"crates":[{"id":"path+file:///a#x@1"}]}`, "unit 0"},
		{"duplicate key", `{"version":1,"version":1,"root":0,"crates":[{"id":"path+file:///a#1.0.0"}]}`, "duplicate"},
		{"case-folded key", `{"version":1,"Root":0,"root":0,"crates":[{"id":"path+file:///a#1.0.0"}]}`, "duplicate"},
		{"deep", `{"version":1,"root":0,"crates":[{"id":"path+file:///a#1.0.0","x":[[[[[[[[1]]]]]]]]}]}`, "deep"},
		{"terminal escape in target", `{"version":1,"root":0,"target":"x86_64\u001b[2J","crates":[{"id":"path+file:///a#1.0.0"}]}`, "unusable target"},
		{"feature with newline", `{"version":1,"root":0,"crates":[{"id":"path+file:///a#1.0.0","features":["a\nb"]}]}`, "unusable kind or feature"},
		{"trailing", valid + `{}`, ""},
	} {
		_, err := Parse([]byte(tc.doc))
		if err == nil {
			t.Errorf("%s: accepted", tc.name)
			continue
		}
		if !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %q does not say %q", tc.name, err, tc.want)
		}
	}
}

func TestReadFor(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "app")
	if _, _, err := ReadFor(bin); !errors.Is(err, ErrNone) {
		t.Fatalf("no precursor: %v", err)
	}
	if err := os.WriteFile(bin+Suffix, []byte(`{"version":1}`), 0o644); err != nil {
		t.Fatal(err)
	}
	_, p, err := ReadFor(bin)
	if err == nil || errors.Is(err, ErrNone) || !strings.Contains(err.Error(), p) || p != bin+Suffix {
		t.Fatalf("a broken precursor must be an error naming it: %v", err)
	}
	// A directory or a FIFO of that name is refused, not read.
	os.Remove(bin + Suffix)
	os.Mkdir(bin+Suffix, 0o755)
	if _, _, err := ReadFor(bin); err == nil || errors.Is(err, ErrNone) {
		t.Fatalf("directory: %v", err)
	}
}
