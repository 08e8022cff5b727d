package binary

import (
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/cargosbom"
)

// crateKeys lists a document's crates as the SBOM check compares them.
func crateKeys(d *sbom.Document) []string {
	var out []string
	for _, c := range d.Components {
		out = append(out, c.Name+" "+c.Version+" "+string(c.Source.Kind)+" "+string(c.Scope))
	}
	slices.Sort(out)
	return out
}

// withPrecursorFile copies a binary into a fresh directory with a precursor next to it, and returns its path.
func withPrecursorFile(t *testing.T, bin string, precursor []byte) string {
	t.Helper()
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), filepath.Base(bin))
	if err := os.WriteFile(p, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if precursor != nil {
		if err := os.WriteFile(p+cargosbom.Suffix, precursor, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return p
}

// The examples are built with cargo -Z sbom as well as cargo auditable: for each, the precursor cargo wrote agrees
// with the embedded data crate for crate, and is preferred (its features and crate kinds come along); the
// document names no local path.
func TestPrecursorAgreesWithRealBuilds(t *testing.T) {
	for _, name := range []string{"ws-app", "sha-report", "fleet-report"} {
		t.Run(name, func(t *testing.T) {
			bin := testenv.ExampleBinary(t, name)
			if _, err := os.Stat(bin + cargosbom.Suffix); err != nil {
				testenv.Missing(t, "%s has no precursor: run scripts/build-examples.sh", name)
			}
			res, err := ReadFile(bin, Options{})
			if err != nil {
				t.Fatal(err)
			}
			emb, err := ReadFile(bin, Options{IgnoreCargoSBOM: true})
			if err != nil {
				t.Fatal(err)
			}
			if res.Doc.Origin != sbom.OriginCargoSBOM || emb.Doc.Origin != sbom.OriginAuditable {
				t.Fatalf("origins %s and %s", res.Doc.Origin, emb.Doc.Origin)
			}
			if len(res.PrecursorConflicts) > 0 || res.Precursor != bin+cargosbom.Suffix {
				t.Fatalf("precursor %s, conflicts %v", res.Precursor, res.PrecursorConflicts)
			}
			if a, b := crateKeys(res.Doc), crateKeys(emb.Doc); !slices.Equal(a, b) {
				t.Errorf("crates differ:\nprecursor %v\nembedded  %v", a, b)
			}
			if res.Doc.Subject.Version != emb.Doc.Subject.Version || !slices.Equal(res.Doc.Subject.Hashes, emb.Doc.Subject.Hashes) {
				t.Errorf("subject %+v, embedded %+v", res.Doc.Subject, emb.Doc.Subject)
			}
			features, procMacros := 0, 0
			for _, c := range res.Doc.Components {
				for _, p := range c.Properties {
					switch p.Name {
					case sbom.PropFeatures:
						features++
					case sbom.PropCrateKind:
						procMacros++
					}
				}
			}
			if features == 0 || (name == "ws-app" && procMacros != 2) { // greet-macros and serde_derive
				t.Errorf("%d crates with features, %d proc-macros", features, procMacros)
			}
			js, _ := json.Marshal(res.Doc)
			if strings.Contains(string(js), "file:") || strings.Contains(string(js), testenv.RepoRoot(t)) {
				t.Errorf("the document names a local path")
			}
			if err := res.Doc.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}

// A binary without embedded data is described by its precursor, and says so; nothing else reads it then.
func TestPrecursorAlone(t *testing.T) {
	pre, err := os.ReadFile("../cargosbom/testdata/precursor/ws-app.cargo-sbom.json")
	if err != nil {
		t.Fatal(err)
	}
	bin := withPrecursorFile(t, "../auditable/testdata/bin/no-section.elf", pre)
	res, err := ReadFile(bin, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if res.File != nil || res.Doc.Origin != sbom.OriginCargoSBOM || len(res.Doc.Components) != 13 || res.Doc.Subject.Version != "0.3.1" {
		t.Fatalf("file %v, origin %s, %d crates, version %q", res.File, res.Doc.Origin, len(res.Doc.Components), res.Doc.Subject.Version)
	}
	if len(res.Doc.Notes) != 1 || !strings.Contains(res.Doc.Notes[0], "embeds no dependency data to confirm it") {
		t.Errorf("notes %q", res.Doc.Notes)
	}
	if len(res.Doc.Subject.Hashes) != 1 || res.Doc.Subject.Hashes[0].Value == "" {
		t.Errorf("subject hashes %+v", res.Doc.Subject.Hashes)
	}
	if _, err := ReadFile(bin, Options{IgnoreCargoSBOM: true}); !errors.Is(err, auditable.ErrNotAuditable) {
		t.Errorf("ignored precursor: %v", err)
	}
	// Scan applies it to binaries on disk (given or walked), not to binaries inside archives.
	items, err := Scan(context.Background(), []string{filepath.Dir(bin)}, ScanOptions{})
	if err != nil || len(items) != 1 || items[0].Err != nil || items[0].Result.Doc.Origin != sbom.OriginCargoSBOM {
		t.Fatalf("scan: %v %+v", err, items)
	}
}

// A precursor that disagrees with the embedded data loses to it, and every difference is named: another
// version, a crate's scope, the compiler, the architecture.
func TestPrecursorDisagrees(t *testing.T) {
	bin := testenv.ExampleBinary(t, "ws-app")
	orig, err := os.ReadFile(bin + cargosbom.Suffix)
	if err != nil {
		testenv.Missing(t, "ws-app has no precursor: run scripts/build-examples.sh")
	}
	emb, err := ReadFile(bin, Options{IgnoreCargoSBOM: true})
	if err != nil {
		t.Fatal(err)
	}
	// Each case changes the precursor cargo wrote, as its JSON.
	edit := func(t *testing.T, change func(pre map[string]any, units []map[string]any)) string {
		var pre map[string]any
		if err := json.Unmarshal(orig, &pre); err != nil {
			t.Fatal(err)
		}
		var units []map[string]any
		for _, u := range pre["crates"].([]any) {
			units = append(units, u.(map[string]any))
		}
		change(pre, units)
		out, err := json.Marshal(pre)
		if err != nil {
			t.Fatal(err)
		}
		return string(out)
	}
	find := func(units []map[string]any, suffix string) int {
		for i, u := range units {
			if strings.HasSuffix(u["id"].(string), suffix) && !slices.Contains(u["kind"].([]any), any("custom-build")) {
				return i
			}
		}
		t.Fatalf("no unit %s in the example's precursor", suffix)
		return -1
	}
	for _, tc := range []struct {
		name   string
		change func(pre map[string]any, units []map[string]any)
		want   string
	}{
		{"version", func(_ map[string]any, units []map[string]any) {
			units[find(units, "#itoa@1.0.1")]["id"] = "registry+https://github.com/rust-lang/crates.io-index#itoa@1.0.2"
		}, "the precursor has itoa 1.0.2 (crates.io, runtime)"},
		{"scope", func(_ map[string]any, units []map[string]any) {
			// serde uses serde_derive through a normal edge: serde_derive would be linked in, runtime.
			derive := find(units, "#serde_derive@1.0.152")
			for _, d := range units[find(units, "#serde@1.0.152")]["dependencies"].([]any) {
				if dep := d.(map[string]any); int(dep["index"].(float64)) == derive {
					dep["kind"] = "normal"
				}
			}
		}, "the precursor has serde_derive 1.0.152 (crates.io, runtime)"},
		{"compiler", func(pre map[string]any, _ []map[string]any) {
			pre["rustc"].(map[string]any)["version"] = "1.70.0"
		}, "the precursor names rustc 1.70.0"},
		{"target", func(pre map[string]any, _ []map[string]any) {
			pre["target"] = "aarch64-unknown-linux-gnu"
		}, "the binary is x86_64, the precursor's target aarch64-unknown-linux-gnu"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text := edit(t, tc.change)
			p := withPrecursorFile(t, bin, []byte(text))
			res, err := ReadFile(p, Options{})
			if err != nil {
				t.Fatal(err)
			}
			if res.Doc.Origin != sbom.OriginAuditable || !slices.Equal(crateKeys(res.Doc), crateKeys(emb.Doc)) {
				t.Errorf("origin %s: the embedded data must be used", res.Doc.Origin)
			}
			all := strings.Join(res.PrecursorConflicts, "; ")
			if !strings.Contains(all, tc.want) {
				t.Errorf("conflicts %q do not say %q", all, tc.want)
			}
			if !slices.ContainsFunc(res.Doc.Notes, func(n string) bool { return strings.Contains(n, "disagrees") }) {
				t.Errorf("notes %q", res.Doc.Notes)
			}
		})
	}
}

// A precursor that cannot be read fails the binary with an error naming it; --no-cargo-sbom reads past it.
func TestPrecursorBroken(t *testing.T) {
	bin := withPrecursorFile(t, "../auditable/testdata/bin/x86_64-linux.elf", []byte(`{"version":1,"root":3,"crates":[]}`))
	_, err := ReadFile(bin, Options{})
	if err == nil || !strings.Contains(err.Error(), bin+cargosbom.Suffix) {
		t.Fatalf("error %v", err)
	}
	if _, err := ReadFile(bin, Options{IgnoreCargoSBOM: true}); err != nil {
		t.Fatal(err)
	}
}

func TestSameArch(t *testing.T) {
	for _, tc := range []struct {
		arch, triple string
		same         bool
	}{
		{"x86_64", "x86_64-unknown-linux-gnu", true},
		{"x86", "i686-pc-windows-msvc", true},
		{"x86", "x86_64-pc-windows-msvc", false},
		{"x86_64", "i686-unknown-linux-gnu", false},
		{"aarch64", "aarch64-apple-darwin", true},
		{"aarch64", "arm64ec-pc-windows-msvc", true},
		{"arm", "armv7-unknown-linux-gnueabihf", true},
		{"arm", "thumbv7em-none-eabihf", true},
		{"arm", "aarch64-unknown-linux-gnu", false},
		{"riscv64", "riscv64gc-unknown-linux-gnu", true},
		{"powerpc64le", "powerpc64le-unknown-linux-gnu", true},
		{"wasm32", "wasm32-wasip1", true},
		{"wasm32", "x86_64-unknown-linux-gnu", false},
	} {
		if got := sameArch(tc.arch, tc.triple); got != tc.same {
			t.Errorf("sameArch(%s, %s) = %v", tc.arch, tc.triple, got)
		}
	}
}
