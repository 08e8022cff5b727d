package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

var allFormats = []struct{ name, ext string }{
	{"cyclonedx-json", ".cdx.json"},
	{"cyclonedx-xml", ".cdx.xml"},
	{"spdx-json", ".spdx.json"},
	{"spdx-tag-value", ".spdx"},
}

// TestGoldenProjectSBOMs writes the SBOMs of both examples (and of the workspace as a whole, and of a Cargo.lock
// alone) in all four formats, twice, through the command line; compares them with the golden files byte for byte;
// checks that the two runs are identical and that no path of this machine leaks into them; and validates each file
// with independent tools (sbom-utility, xmllint with the official XSD, tools-golang's tag-value reader).
func TestGoldenProjectSBOMs(t *testing.T) {
	examples := testenv.Cargo(t)
	cases := []struct {
		name string
		args []string
	}{
		{name: "workspace/ws-app", args: []string{"--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml"), "--target", "x86_64-unknown-linux-gnu"}},
		{name: "workspace/ws-app-windows-logging", args: []string{"--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml"), "--target", "x86_64-pc-windows-msvc", "--features", "ws-app/logging"}},
		{name: "workspace/workspace", args: []string{"--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml"), "--target", "x86_64-unknown-linux-gnu", "--workspace", "--include-dev"}},
		{name: "crates/sha-report", args: []string{"--manifest-path", filepath.Join(examples, "crates", "Cargo.toml"), "--target", "x86_64-unknown-linux-gnu"}},
		{name: "lockfile/workspace", args: []string{"--lockfile", filepath.Join(examples, "workspace", "Cargo.lock")}},
	}
	env := map[string]string{"SOURCE_DATE_EPOCH": "1767225600"} // 2026-01-01
	home, _ := os.UserHomeDir()
	leaks := []string{testenv.RepoRoot(t), examples, os.Getenv("CARGO_HOME"), testenv.DebianRegistry, "file:/"}
	if home != "" && home != "/" {
		leaks = append(leaks, home)
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"sbom", "--offline", "--locked"}, tc.args...)
			if strings.HasPrefix(tc.name, "lockfile/") {
				args = append([]string{"sbom"}, tc.args...)
			}
			var runs [2]map[string][]byte
			for run := range runs {
				runs[run] = map[string][]byte{}
				a := append([]string{}, args...)
				for _, f := range allFormats {
					a = append(a, "-o", f.name+"="+filepath.Join(dir, itoa(run)+f.ext))
				}
				res := runCLI(t, env, "", a...)
				if res.code != 0 {
					t.Fatalf("exit %d: %s", res.code, res.stderr)
				}
				for _, f := range allFormats {
					data, err := os.ReadFile(filepath.Join(dir, itoa(run)+f.ext))
					if err != nil {
						t.Fatal(err)
					}
					runs[run][f.ext] = data
				}
			}
			for _, f := range allFormats {
				got := runs[0][f.ext]
				if string(got) != string(runs[1][f.ext]) {
					t.Errorf("%s: two runs on the same inputs differ", f.ext)
				}
				for _, leak := range leaks {
					if leak != "" && strings.Contains(string(got), leak) {
						t.Errorf("%s contains the local path %q", f.ext, leak)
					}
				}
				golden(t, tc.name+f.ext, got)
			}
			// Validate the golden files themselves, so that what a reviewer reads is what is checked.
			for _, f := range allFormats {
				testenv.ValidateSBOM(t, filepath.Join("testdata", "golden", tc.name+f.ext))
			}
		})
	}
}

// TestOlderCycloneDXVersions checks that the 1.4 and 1.5 encodings are valid against their own schemas.
func TestOlderCycloneDXVersions(t *testing.T) {
	examples := testenv.Cargo(t)
	dir := t.TempDir()
	var args []string
	for _, v := range []string{"1.4", "1.5"} {
		args = append(args, "-o", "cyclonedx-json@"+v+"="+filepath.Join(dir, v+".cdx.json"), "-o", "cyclonedx-xml@"+v+"="+filepath.Join(dir, v+".cdx.xml"))
	}
	res := runCLI(t, nil, "", append([]string{"sbom", "--offline", "--locked", "--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml")}, args...)...)
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, v := range []string{"1.4", "1.5"} {
		data, err := os.ReadFile(filepath.Join(dir, v+".cdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(data), `"specVersion": "`+v+`"`) {
			t.Errorf("%s.cdx.json does not say specVersion %s", v, v)
		}
		testenv.ValidateSBOM(t, filepath.Join(dir, v+".cdx.json"))
		testenv.ValidateSBOM(t, filepath.Join(dir, v+".cdx.xml"))
	}
}
