package binary

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferroseal/ferroseal/internal/testenv"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
)

const fixtures = "../auditable/testdata/bin"

// payloadGraph renders embedded JSON, read independently of the reader, as "name@version source kind -> deps".
func payloadGraph(t *testing.T, js []byte) []string {
	t.Helper()
	var p struct {
		Packages []struct {
			Name, Version, Source, Kind string
			Dependencies                []int
		}
	}
	if err := json.Unmarshal(js, &p); err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, pkg := range p.Packages {
		kind := pkg.Kind
		if kind == "" {
			kind = "runtime"
		}
		var deps []string
		for _, d := range pkg.Dependencies {
			deps = append(deps, p.Packages[d].Name+"@"+p.Packages[d].Version)
		}
		slices.Sort(deps)
		out = append(out, pkg.Name+"@"+pkg.Version+" "+pkg.Source+" "+kind+" -> "+strings.Join(deps, ","))
	}
	slices.Sort(out)
	return out
}

// docGraph renders a document's components the same way.
func docGraph(doc *sbom.Document) []string {
	label := map[string]string{}
	for _, c := range doc.Components {
		label[c.Ref] = c.Name + "@" + c.Version
	}
	source := map[sbom.SourceKind]string{sbom.SourceCratesIO: "crates.io", sbom.SourceGit: "git", sbom.SourcePath: "local", sbom.SourceRegistry: "registry"}
	var out []string
	for _, c := range doc.Components {
		var deps []string
		for _, d := range c.DependsOn {
			deps = append(deps, label[d])
		}
		slices.Sort(deps)
		src := source[c.Source.Kind]
		if c.Source.Label != "" {
			src = c.Source.Label
		}
		out = append(out, c.Name+"@"+c.Version+" "+src+" "+string(c.Scope)+" -> "+strings.Join(deps, ","))
	}
	slices.Sort(out)
	return out
}

// TestDocumentEqualsPayload checks, for our fixtures of every container and the real cargo-auditable binaries,
// that the SBOM's crates, versions, sources, kinds and edges equal the embedded payload exactly.
func TestDocumentEqualsPayload(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(fixtures, "*"))
	if err != nil {
		t.Fatal(err)
	}
	if dir, err := filepath.Abs(filepath.Join(testenv.RepoRoot(t), "..", "shared", "fixtures", "real")); err == nil {
		real, _ := filepath.Glob(filepath.Join(dir, "*"))
		files = append(files, real...)
	}
	checked := 0
	for _, file := range files {
		if strings.Contains(file, ".zlib") || strings.Contains(file, "hostile") || strings.Contains(file, "legacy") {
			continue
		}
		res, err := ReadFile(file, Options{})
		if errors.Is(err, auditable.ErrNotAuditable) {
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", file, err)
			continue
		}
		checked++
		var want []string
		for _, s := range res.File.Slices {
			want = append(want, payloadGraph(t, s.JSON)...)
		}
		slices.Sort(want)
		want = slices.Compact(want)
		if diff := cmp.Diff(want, docGraph(res.Doc)); diff != "" {
			t.Errorf("%s: document differs from the embedded payload (-payload +sbom):\n%s", file, diff)
		}
		data, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(data)
		if got := res.Doc.Subject.Hash(sbom.SHA256); got != hex.EncodeToString(sum[:]) {
			t.Errorf("%s: subject SHA-256 %s, want the file's", file, got)
		}
		if res.Doc.Subject.Name != filepath.Base(file) || res.Doc.Subject.Type != sbom.TypeApplication {
			t.Errorf("%s: subject %q (%s)", file, res.Doc.Subject.Name, res.Doc.Subject.Type)
		}
		if err := res.Doc.Validate(); err != nil {
			t.Errorf("%s: %v", file, err)
		}
	}
	if checked < 12 {
		t.Errorf("only %d binaries checked", checked)
	}
}

func TestDocumentDetails(t *testing.T) {
	t.Parallel()
	res, err := ReadFile(filepath.Join(fixtures, "universal-darwin.macho"), Options{Hashes: []sbom.HashAlgorithm{sbom.SHA256, sbom.SHA512}})
	if err != nil {
		t.Fatal(err)
	}
	d := res.Doc
	if len(d.Subject.Hashes) != 2 || d.Subject.Hash(sbom.SHA512) == "" {
		t.Errorf("hashes %v, want SHA-256 and SHA-512", d.Subject.Hashes)
	}
	if d.Subject.Version != "0.3.1" || !slices.Equal(d.Subject.DependsOn, []string{"local:ws-app@0.3.1"}) {
		t.Errorf("subject version %q depends on %v, want the root crate ws-app 0.3.1", d.Subject.Version, d.Subject.DependsOn)
	}
	var arches []string
	for _, p := range d.Properties {
		if p.Name == sbom.PropArchitecture {
			arches = append(arches, p.Value)
		}
	}
	if diff := cmp.Diff([]string{"aarch64", "x86_64"}, arches); diff != "" {
		t.Errorf("architectures (-want +got):\n%s", diff)
	}
	// Build-kind crates are kept, scoped build; the proc-macro's purl is the crates.io one.
	c := d.Component("pkg:cargo/serde_derive@1.0.152")
	if c == nil || c.Scope != sbom.ScopeBuild {
		t.Errorf("serde_derive: %+v, want a build-scope component", c)
	}
	// A local crate is a generic package, never the crates.io crate of its name; the binary is named by its content.
	if c := d.Component("local:greet@0.2.0"); c == nil || c.PURL() != "pkg:generic/greet@0.2.0" {
		t.Errorf("a local crate's purl: %+v", c)
	}
	if p := d.Subject.PURL(); !strings.HasPrefix(p, "pkg:generic/") || !strings.Contains(p, "checksum=sha256:"+d.Subject.Hash(sbom.SHA256)) {
		t.Errorf("the binary's purl %q does not name its SHA-256", p)
	}

	f0, err := ReadFile(filepath.Join(fixtures, "format0.elf"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.ContainsFunc(f0.Doc.Notes, func(n string) bool { return strings.Contains(n, "proc-macro") }) {
		t.Errorf("format 0 must be said in the document: notes %q", f0.Doc.Notes)
	}
	leg, err := ReadFile(filepath.Join(fixtures, "legacy.elf"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(leg.Doc.Subject.DependsOn) != 1 || leg.Doc.Subject.DependsOn[0] != "local:legacy-app@0.1.0" {
		t.Errorf("legacy payload without root: the binary should depend on the crate nothing depends on, got %v", leg.Doc.Subject.DependsOn)
	}
}

func TestHeuristic(t *testing.T) {
	dir := testenv.SharedFixtures(t)
	res, err := ReadFile(filepath.Join(dir, "rustsec-binary-with-vuln-panic"), Options{Heuristic: true})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range res.Doc.Components {
		got = append(got, c.PURL())
	}
	// chrono and time are the program's; gimli, addr2line, rustc-demangle and miniz_oxide are the standard
	// library's own dependencies (built under /cargo/registry by Rust's CI) and are left out.
	if diff := cmp.Diff([]string{"pkg:cargo/chrono@0.4.19", "pkg:cargo/time@0.1.44"}, got); diff != "" {
		t.Errorf("recovered crates (-want +got):\n%s", diff)
	}
	if !res.Doc.Incomplete || res.Doc.Origin != sbom.OriginHeuristic {
		t.Error("a heuristic document must say it is incomplete")
	}
	if !slices.Contains(res.Doc.Properties, sbom.Property{Name: PropRustcCommit, Value: "a55dd71d5fb0ec5a6a3a9e8c27b2127ba491ce52"}) {
		t.Errorf("compiler commit not recovered: %v", res.Doc.Properties)
	}
	if _, err := ReadFile(filepath.Join(dir, "rustsec-binary-with-vuln-panic"), Options{}); !errors.Is(err, auditable.ErrNotAuditable) {
		t.Errorf("without --heuristic: err = %v, want ErrNotAuditable", err)
	}
}

func TestHeuristicChunkBoundaries(t *testing.T) {
	t.Parallel()
	// Paths that straddle the 1 MiB chunk boundary are found once.
	path := "/home/u/.cargo/registry/src/index.crates.io-6f17d22bba15001f/serde_json-1.0.87/src/de.rs"
	for _, at := range []int{1<<20 - 40, 1<<20 - 3, 1 << 20, 2<<20 + 7} {
		data := make([]byte, 3<<20)
		copy(data[at:], path)
		res, err := Heuristic(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Crates) != 1 || res.Crates[0].Name != "serde_json" || res.Crates[0].Version != "1.0.87" {
			t.Errorf("at %d: found %+v", at, res.Crates)
		}
	}
	res, err := Heuristic(strings.NewReader(`C:\Users\u\.cargo\registry\src\index.crates.io-6f17d22bba15001f\foo-bar-1.0.0-alpha.1\src\lib.rs`))
	if err != nil || len(res.Crates) != 1 || res.Crates[0].Name != "foo-bar" || res.Crates[0].Version != "1.0.0-alpha.1" {
		t.Errorf("windows path: %+v %v", res, err)
	}
}

// TestHeuristicCargoHome: std's own dependencies are told apart by Rust CI's CARGO_HOME=/cargo, unless the
// program was built under a CARGO_HOME that also ends in /cargo (the official Docker images' /usr/local/cargo).
func TestHeuristicCargoHome(t *testing.T) {
	t.Parallel()
	const idx = "index.crates.io-6f17d22bba15001f"
	names := func(data string) []string {
		res, err := Heuristic(strings.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, c := range res.Crates {
			out = append(out, c.Name+"@"+c.Version)
		}
		return out
	}
	std := "/cargo/registry/src/" + idx + "/gimli-0.28.1/src/read/unit.rs"
	// Built with ~/.cargo: libc is the program's, gimli std's.
	home := "/home/u/.cargo/registry/src/" + idx + "/libc-0.2.150/src/unix/mod.rs"
	if diff := cmp.Diff([]string{"libc@0.2.150"}, names(home+"lib.rs"+std)); diff != "" {
		t.Errorf("~/.cargo build (-want +got):\n%s", diff)
	}
	// Built in rust:latest (CARGO_HOME=/usr/local/cargo): libc under .../cargo/ is the program's, so /cargo/ says
	// nothing and gimli is kept as found.
	docker := "/usr/local/cargo/registry/src/" + idx + "/libc-0.2.150/src/unix/mod.rs"
	if diff := cmp.Diff([]string{"gimli@0.28.1", "libc@0.2.150"}, names(docker+"lib.rs"+std)); diff != "" {
		t.Errorf("Docker build (-want +got):\n%s", diff)
	}
	docker2 := "/usr/local/cargo/registry/src/" + idx + "/serde-1.0.190/src/de.rs"
	if diff := cmp.Diff([]string{"gimli@0.28.1", "libc@0.2.150", "serde@1.0.190"}, names(docker+docker2+std)); diff != "" {
		t.Errorf("Docker build, libc and serde (-want +got):\n%s", diff)
	}
}

func writeTarGz(t *testing.T, path string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	slices.Sort(names)
	for _, name := range names {
		data, err := os.ReadFile(files[name])
		if err != nil {
			data = []byte(files[name]) // literal content
		}
		if err := tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg}); err != nil {
			t.Fatal(err)
		}
		tw.Write(data)
	}
	tw.Close()
	gz.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestScan(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	copyFile := func(src, dst string) {
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dst, data, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	release := filepath.Join(dir, "release")
	copyFile(filepath.Join(fixtures, "x86_64-linux.elf"), filepath.Join(release, "bin", "app"))
	copyFile(filepath.Join(fixtures, "x86_64-windows.exe"), filepath.Join(release, "bin", "app.exe"))
	copyFile(filepath.Join(fixtures, "no-section.elf"), filepath.Join(release, "bin", "helper"))
	copyFile(filepath.Join(fixtures, "hostile-cycle.elf"), filepath.Join(release, "broken"))
	if err := os.WriteFile(filepath.Join(release, "README.md"), []byte("# not a binary\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("/etc/passwd", filepath.Join(release, "link")); err != nil {
		t.Fatal(err)
	}
	writeTarGz(t, filepath.Join(release, "app-1.0-x86_64.tar.gz"), map[string]string{
		"app-1.0/app":        filepath.Join(fixtures, "aarch64-linux.elf"),
		"app-1.0/LICENSE":    "MIT",
		"../../escape/app.w": filepath.Join(fixtures, "wasm32.wasm"),
	})
	zf, err := os.Create(filepath.Join(release, "app.zip"))
	if err != nil {
		t.Fatal(err)
	}
	zw := zip.NewWriter(zf)
	w, _ := zw.Create("win/app.exe")
	data, _ := os.ReadFile(filepath.Join(fixtures, "i686-windows.exe"))
	w.Write(data)
	zw.Close()
	zf.Close()

	var progress []string
	items, err := Scan(context.Background(), []string{release}, ScanOptions{Jobs: 3, Progress: func(done int, path string) {
		progress = append(progress, path)
	}})
	if err != nil {
		t.Fatal(err)
	}
	type row struct{ Path, Err, Arch string }
	var got []row
	for _, it := range items {
		r := row{Path: strings.TrimPrefix(it.Path, release+"/")}
		if it.Err != nil {
			r.Err = "not auditable"
			if !errors.Is(it.Err, auditable.ErrNotAuditable) {
				r.Err = "invalid"
			}
			if !strings.Contains(it.Err.Error(), r.Path) {
				t.Errorf("%s: error %q does not name the file", r.Path, it.Err)
			}
		} else {
			r.Arch = it.Result.File.Slices[0].Arch
			for _, p := range it.Result.Doc.Properties {
				if p.Name == sbom.PropPath && strings.HasPrefix(p.Value, "/") {
					t.Errorf("%s: absolute path in the document: %s", r.Path, p.Value)
				}
			}
		}
		got = append(got, r)
	}
	want := []row{
		{Path: "app-1.0-x86_64.tar.gz!/app-1.0/app", Arch: "aarch64"},
		{Path: "app-1.0-x86_64.tar.gz!/escape/app.w", Arch: "wasm32"},
		{Path: "app.zip!/win/app.exe", Arch: "x86"},
		{Path: "bin/app", Arch: "x86_64"},
		{Path: "bin/app.exe", Arch: "x86_64"},
		{Path: "bin/helper", Err: "not auditable"},
		{Path: "broken", Err: "invalid"},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("scan (-want +got):\n%s", diff)
	}
	if len(progress) != 7 {
		t.Errorf("progress reported %d times, want 7", len(progress))
	}
	// Temporary files of archive entries are gone.
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "ferroseal-scan-*", "entry-*")); len(left) > 0 {
		t.Errorf("temporary files left: %v", left)
	}
}

func TestScanExplicitNonBinary(t *testing.T) {
	t.Parallel()
	p := filepath.Join(t.TempDir(), "notes.txt")
	os.WriteFile(p, []byte("hello"), 0o644)
	items, err := Scan(context.Background(), []string{p}, ScanOptions{})
	if err != nil || len(items) != 1 || !errors.Is(items[0].Err, ErrNotBinary) {
		t.Fatalf("items %+v, err %v: want one ErrNotBinary item", items, err)
	}
	if _, err := Scan(context.Background(), []string{filepath.Join(t.TempDir(), "missing")}, ScanOptions{}); err == nil {
		t.Error("a missing input must be an error")
	}
}

func TestEnrichFromLockfile(t *testing.T) {
	t.Parallel()
	res, err := ReadFile(filepath.Join(fixtures, "x86_64-linux.elf"), Options{})
	if err != nil {
		t.Fatal(err)
	}
	ref := &sbom.Document{Subject: sbom.Component{Ref: "workspace:x", Name: "x"}, Components: []sbom.Component{
		{Ref: "pkg:cargo/itoa@1.0.1", Name: "itoa", Version: "1.0.1", Source: sbom.Source{Kind: sbom.SourceCratesIO},
			Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: strings.Repeat("a", 64)}}, License: "MIT OR Apache-2.0"},
		{Ref: "git:greet@0.2.0", Name: "greet", Version: "0.2.0", Source: sbom.Source{Kind: sbom.SourceGit, URL: "https://example.com/greet", Rev: "abc"}},
		{Ref: "pkg:cargo/serde@1.0.999", Name: "serde", Version: "1.0.999", Source: sbom.Source{Kind: sbom.SourceCratesIO}},
	}}
	doc := res.Doc
	mismatches := sbom.Enrich(doc, ref)
	itoa := doc.Component("pkg:cargo/itoa@1.0.1")
	if itoa == nil || itoa.Hash(sbom.SHA256) != strings.Repeat("a", 64) || itoa.License != "MIT OR Apache-2.0" {
		t.Errorf("itoa not enriched: %+v", itoa)
	}
	var msgs []string
	for _, m := range mismatches {
		msgs = append(msgs, m.Message)
	}
	for _, want := range []string{"serde 1.0.152 (crates.io): the reference has version 1.0.999", "greet 0.2.0 (local): the reference has it from git", "ryu 1.0.2 (crates.io): not in the reference"} {
		if !slices.Contains(msgs, want) {
			t.Errorf("mismatch %q not reported; got %q", want, msgs)
		}
	}
	if err := doc.Validate(); err != nil {
		t.Fatal(err)
	}
}
