package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

const binFixtures = "../../sbom/auditable/testdata/bin"

// TestGoldenBinarySBOMs writes the SBOMs of committed fixture binaries (a Windows PE, a universal Mach-O, a
// directory merged into one document) in all four formats, compares them with the golden files and validates them.
func TestGoldenBinarySBOMs(t *testing.T) {
	dir := t.TempDir()
	release := filepath.Join(dir, "release")
	os.MkdirAll(release, 0o755)
	for _, f := range []string{"x86_64-linux.elf", "wasm32.wasm", "format0.elf"} {
		data, err := os.ReadFile(filepath.Join(binFixtures, f))
		if err != nil {
			t.Fatal(err)
		}
		os.WriteFile(filepath.Join(release, f), data, 0o755)
	}
	cases := []struct {
		name string
		args []string
	}{
		{name: "binary/x86_64-windows.exe", args: []string{filepath.Join(binFixtures, "x86_64-windows.exe"), "--hash", "sha256,sha512"}},
		{name: "binary/universal-darwin.macho", args: []string{filepath.Join(binFixtures, "universal-darwin.macho")}},
		{name: "binary/release-merged", args: []string{release, "--merge"}},
	}
	env := map[string]string{"SOURCE_DATE_EPOCH": "1767225600"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			args := append([]string{"sbom"}, tc.args...)
			for _, f := range allFormats {
				args = append(args, "-o", f.name+"="+filepath.Join(dir, filepath.Base(tc.name)+f.ext))
			}
			res := runCLI(t, env, "", args...)
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			for _, f := range allFormats {
				got, err := os.ReadFile(filepath.Join(dir, filepath.Base(tc.name)+f.ext))
				if err != nil {
					t.Fatal(err)
				}
				if strings.Contains(string(got), dir) || strings.Contains(string(got), testenv.RepoRoot(t)) {
					t.Errorf("%s leaks a local path", f.ext)
				}
				golden(t, tc.name+f.ext, got)
			}
			for _, f := range allFormats {
				testenv.ValidateSBOM(t, filepath.Join("testdata", "golden", tc.name+f.ext))
			}
		})
	}
}

func TestBinaryNotAuditable(t *testing.T) {
	out := t.TempDir()
	res := runCLI(t, nil, "", "sbom", filepath.Join(binFixtures, "no-section.elf"), "-o", "cyclonedx-json="+filepath.Join(out, "x.json"))
	assertCleanFailure(t, res, exitNotAuditable, out, "no-section.elf", "cargo auditable build", "--heuristic")

	res = runCLI(t, nil, "", "inspect", filepath.Join(binFixtures, "no-section.elf"))
	assertCleanFailure(t, res, exitNotAuditable, "", "no-section.elf", "cargo auditable build")

	res = runCLI(t, nil, "", "sbom", filepath.Join(binFixtures, "hostile-cycle.elf"), "-o", "cyclonedx-json="+filepath.Join(out, "x.json"))
	assertCleanFailure(t, res, exitError, out, "hostile-cycle.elf", "dependency cycle")

	res = runCLI(t, nil, "", "sbom", filepath.Join(binFixtures, "x86_64-linux.elf"), "--max-file-size", "lots")
	assertCleanFailure(t, res, exitUsage, "", "--max-file-size")

	res = runCLI(t, nil, "", "sbom", filepath.Join(binFixtures, "x86_64-linux.elf"), "--features", "x")
	assertCleanFailure(t, res, exitUsage, "", "--features")

	// A directory where some binaries have data: documents for those, the others listed, success.
	res = runCLI(t, nil, "", "sbom", binFixtures, "--output-dir", out, "-o", "cyclonedx-json")
	if res.code != 0 {
		t.Fatalf("directory: exit %d: %s", res.code, res.stderr)
	}
	for _, want := range []string{
		"skipped " + filepath.Join(binFixtures, "no-section.elf") + ": no cargo-auditable dependency data\n",
		"skipped " + filepath.Join(binFixtures, "hostile-bomb.elf") + ": over the size limit",
		"wrote " + filepath.Join(out, "universal-darwin.macho.cdx.json"),
	} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("stderr does not say %q:\n%s", want, res.stderr)
		}
	}
}

func TestInspect(t *testing.T) {
	res := runCLI(t, nil, "", "inspect", "--raw", filepath.Join(binFixtures, "x86_64-linux.elf"))
	want, err := os.ReadFile(filepath.Join(binFixtures, "ws-app.format1.zlib.json"))
	if err != nil {
		t.Fatal(err)
	}
	if res.code != 0 || res.stdout != string(want) {
		t.Errorf("inspect --raw: exit %d, output differs from the embedded JSON:\n%s", res.code, res.stdout)
	}
	res = runCLI(t, nil, "", "inspect", filepath.Join(binFixtures, "universal-darwin.macho"))
	for _, want := range []string{"macho-universal, 2 slice(s)", "x86_64: section __DATA,.dep-v0, format 1, 13 crates", "aarch64:", "serde_derive   1.0.152  crates.io  build"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("inspect summary lacks %q:\n%s", want, res.stdout)
		}
	}
}

func TestHeuristicCLI(t *testing.T) {
	dir := testenv.SharedFixtures(t)
	res := runCLI(t, nil, "", "sbom", "--heuristic", filepath.Join(dir, "rustsec-binary-with-vuln-panic"))
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	var bom struct {
		Components []struct {
			Purl string `json:"purl"`
		} `json:"components"`
		Compositions []struct {
			Aggregate string `json:"aggregate"`
		} `json:"compositions"`
	}
	if err := json.Unmarshal([]byte(res.stdout), &bom); err != nil {
		t.Fatal(err)
	}
	if len(bom.Components) != 2 || bom.Components[0].Purl != "pkg:cargo/chrono@0.4.19" || len(bom.Compositions) != 1 || bom.Compositions[0].Aggregate != "incomplete" {
		t.Errorf("heuristic SBOM: %+v", bom)
	}
}

// TestEnrichWarnings: a binary and a lockfile that is not the one it was built with disagree, and ferroseal says so.
func TestEnrichWarnings(t *testing.T) {
	bin := testenv.ExampleBinary(t, "ws-app")
	lock, err := os.ReadFile(filepath.Join(testenv.RepoRoot(t), "examples", "workspace", "Cargo.lock"))
	if err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, nil, "", "sbom", bin, "--lockfile", filepath.Join(testenv.RepoRoot(t), "examples", "workspace", "Cargo.lock"))
	if res.code != 0 || strings.Contains(res.stderr, "warning") {
		t.Fatalf("the binary and its own lockfile: exit %d, %s", res.code, res.stderr)
	}
	if !strings.Contains(res.stdout, `"content": "6ce777b7`) && !strings.Contains(res.stdout, "6ce777b7") {
		t.Errorf("serde_json's checksum from Cargo.lock is missing from the SBOM")
	}
	other := filepath.Join(t.TempDir(), "Cargo.lock")
	os.WriteFile(other, []byte(strings.ReplaceAll(string(lock), `name = "serde_json"
version = "1.0.87"`, `name = "serde_json"
version = "1.0.99"`)), 0o644)
	res = runCLI(t, nil, "", "sbom", bin, "--lockfile", other)
	if res.code != 0 || !strings.Contains(res.stderr, "serde_json 1.0.87 (crates.io): the reference has version 1.0.99") {
		t.Errorf("a mismatched lockfile must be warned about: exit %d, stderr %s", res.code, res.stderr)
	}
}
