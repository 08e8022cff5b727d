package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
	"github.com/ferroseal/ferroseal/sbom/format"
)

var convertGoldens = []string{"workspace/ws-app", "workspace/ws-app-windows-logging", "workspace/workspace", "crates/sha-report",
	"lockfile/workspace", "binary/x86_64-windows.exe", "binary/universal-darwin.macho", "binary/release-merged"}

// TestConvertIsLossless: every golden document, converted from each format we write into each other, is byte for
// byte the golden document of that format: nothing the writers write is lost by the readers, in any direction
// (392 conversions).
func TestConvertIsLossless(t *testing.T) {
	dir := t.TempDir()
	for _, name := range convertGoldens {
		for _, from := range allFormats {
			in := filepath.Join("testdata", "golden", name+from.ext)
			args := []string{"sbom", "convert", in}
			for _, to := range allFormats {
				args = append(args, "-o", to.name+"="+filepath.Join(dir, "out"+to.ext))
			}
			res := runCLI(t, nil, "", args...)
			if res.code != 0 {
				t.Fatalf("%s: exit %d: %s", in, res.code, res.stderr)
			}
			if strings.Contains(res.stderr, "warning") {
				t.Errorf("%s: %s", in, res.stderr)
			}
			for _, to := range allFormats {
				got := mustRead(t, filepath.Join(dir, "out"+to.ext))
				want := mustRead(t, filepath.Join("testdata", "golden", name+to.ext))
				if !bytes.Equal(got, want) {
					t.Errorf("%s converted to %s differs from %s%s\n%s", in, to.name, name, to.ext, firstDifference(want, got))
				}
			}
		}
	}
}

// TestConvertOthersDocuments: documents syft writes (CycloneDX, SPDX 2 and SPDX 3, of a binary and of the
// workspace) convert into every format we write, and each output passes the independent validators; what the
// older formats cannot hold is named in a warning.
func TestConvertOthersDocuments(t *testing.T) {
	syft := testenv.Tool(t, "syft")
	dir := t.TempDir()
	examples := testenv.Cargo(t)
	sources := map[string]string{
		"binary":    "file:" + filepath.Join(binFixtures, "x86_64-linux.elf"),
		"workspace": "dir:" + filepath.Join(examples, "workspace"),
	}
	for name, src := range sources {
		for _, f := range []string{"cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-tag-value", "spdx-json@3.0"} {
			in := filepath.Join(dir, name+"-"+strings.NewReplacer("@", "", ".", "").Replace(f))
			cmd := exec.Command(syft, "scan", src, "-q", "-o", f+"="+in)
			cmd.Env = append(os.Environ(), "SYFT_CHECK_FOR_APP_UPDATE=false")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("syft scan %s -o %s: %v\n%s", src, f, err, out)
			}
			data := mustRead(t, in)
			if _, detected, err := format.Decode(data); err != nil {
				t.Errorf("%s (%s): %v", in, f, err)
				continue
			} else if !strings.HasPrefix(f, strings.TrimSuffix(detected.Name, "3-json")) && !(f == "spdx-json@3.0" && detected.Name == "spdx3-json") {
				t.Errorf("syft's %s detected as %s", f, detected)
			}
			out := filepath.Join(dir, "converted-"+filepath.Base(in))
			if err := os.MkdirAll(out, 0o755); err != nil {
				t.Fatal(err)
			}
			args := []string{"sbom", "convert", in, "--output-dir", out}
			for _, to := range allFormats {
				args = append(args, "-o", to.name)
			}
			if res := runCLI(t, nil, "", args...); res.code != 0 {
				t.Fatalf("convert %s: exit %d: %s", in, res.code, res.stderr)
			}
			entries, _ := os.ReadDir(out)
			if len(entries) != len(allFormats) {
				t.Errorf("%s: %d files written, want %d", in, len(entries), len(allFormats))
			}
			for _, e := range entries {
				testenv.ValidateSBOM(t, filepath.Join(out, e.Name()))
			}
		}
	}
}

// TestConvertReportsLosses: a conversion into a format without a place for something says what it leaves out.
func TestConvertReportsLosses(t *testing.T) {
	in := filepath.Join("testdata", "golden", "workspace", "ws-app.spdx.json")
	res := runCLI(t, nil, "", "sbom", "convert", in, "-o", "cyclonedx-json@1.5")
	if res.code != 0 {
		t.Fatal(res.stderr)
	}
	if !strings.Contains(res.stderr, "warning: spdx-json to cyclonedx-json@1.5: the separate authors of") {
		t.Errorf("no warning about authors: %q", res.stderr)
	}
	if !strings.Contains(res.stdout, `"specVersion": "1.5"`) {
		t.Error("not CycloneDX 1.5")
	}
}

// TestConvertStdinAndNames: - reads standard input; --output-dir names the files after the input.
func TestConvertStdinAndNames(t *testing.T) {
	data := string(mustRead(t, filepath.Join("testdata", "golden", "workspace", "ws-app.spdx")))
	res := runCLI(t, nil, data, "sbom", "convert", "-", "-o", "spdx-json")
	if res.code != 0 {
		t.Fatal(res.stderr)
	}
	if res.stdout != string(mustRead(t, filepath.Join("testdata", "golden", "workspace", "ws-app.spdx.json"))) {
		t.Error("tag-value from standard input does not convert to the golden SPDX JSON")
	}
	dir := t.TempDir()
	res = runCLI(t, nil, "", "sbom", "convert", filepath.Join("testdata", "golden", "binary", "x86_64-windows.exe.cdx.xml"),
		"--output-dir", dir, "-o", "spdx3-json", "-o", "cyclonedx-json")
	if res.code != 0 {
		t.Fatal(res.stderr)
	}
	for _, want := range []string{"x86_64-windows.exe.spdx3.json", "x86_64-windows.exe.cdx.json"} {
		if _, err := os.Stat(filepath.Join(dir, want)); err != nil {
			t.Errorf("%s not written: %v", want, err)
		}
	}
}

// TestConvertErrors: input that is no SBOM, a broken one, one too large, a document whose graph names what it
// does not have: each a one-line error, exit 1, no file written.
func TestConvertErrors(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name, content string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	golden := string(mustRead(t, filepath.Join("testdata", "golden", "workspace", "ws-app.cdx.json")))
	cases := map[string]struct {
		path    string
		code    int
		mention []string
		extra   []string
	}{
		"not an SBOM":       {path: write("x.json", `{"name": "package.json"}`), code: exitError, mention: []string{"x.json", "not a CycloneDX, SPDX 2 or SPDX 3 document"}},
		"binary garbage":    {path: write("x.bin", "\x7fELF\x00\x01"), code: exitError, mention: []string{"x.bin"}},
		"truncated":         {path: write("t.cdx.json", golden[:len(golden)/2]), code: exitError, mention: []string{"t.cdx.json", "CycloneDX"}},
		"duplicate refs":    {path: write("d.cdx.json", strings.Replace(golden, `"bom-ref": "pkg:cargo/itoa@1.0.1"`, `"bom-ref": "pkg:cargo/ryu@1.0.2"`, 1)), code: exitError, mention: []string{"used twice"}},
		"too large":         {path: write("l.cdx.json", golden), code: exitUsage, mention: []string{"--max-file-size"}, extra: []string{"--max-file-size", "nonsense"}},
		"over the limit":    {path: write("o.cdx.json", golden), code: exitError, mention: []string{"o.cdx.json", "limit"}, extra: []string{"--max-file-size", "1KiB"}},
		"missing file":      {path: filepath.Join(dir, "absent.cdx.json"), code: exitError, mention: []string{"absent.cdx.json"}},
		"unknown format":    {path: write("u.cdx.json", golden), code: exitUsage, mention: []string{"yaml"}, extra: []string{"-o", "yaml"}},
		"cyclonedx 1.3 xml": {path: write("v.xml", `<bom xmlns="http://cyclonedx.org/schema/bom/1.3"/>`), code: exitError, mention: []string{"v.xml"}},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			args := append([]string{"sbom", "convert", c.path, "--output-dir", out, "-o", "spdx-json"}, c.extra...)
			assertCleanFailure(t, runCLI(t, nil, "", args...), c.code, out, c.mention...)
		})
	}
	// An edge to a component the document does not have is left out, and the document says so.
	dangling := strings.Replace(golden, `"dependsOn": [`, `"dependsOn": ["urn:absent",`, 1)
	res := runCLI(t, nil, "", "sbom", "convert", write("g.cdx.json", dangling), "-o", "cyclonedx-json")
	if res.code != 0 {
		t.Fatal(res.stderr)
	}
	if !strings.Contains(res.stdout, "1 dependency relationships of the cyclonedx-json document this one was read from") {
		t.Error("the dropped edge is not noted")
	}
}
