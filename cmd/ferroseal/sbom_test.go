package main

import (
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ferroseal/ferroseal/internal/prefetch"
	"github.com/ferroseal/ferroseal/internal/testenv"
)

var allFormats = []struct{ name, ext string }{
	{"cyclonedx-json", ".cdx.json"},
	{"cyclonedx-xml", ".cdx.xml"},
	{"cyclonedx-json@1.7", ".1.7.cdx.json"},
	{"cyclonedx-xml@1.7", ".1.7.cdx.xml"},
	{"spdx-json", ".spdx.json"},
	{"spdx-tag-value", ".spdx"},
	{"spdx3-json", ".spdx3.json"},
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

// The early hash guesses the binary of `ferroseal sbom` from the raw arguments: it must know which of the
// command's flags take a value, or a flag's value would be taken for the binary and the early hash wasted.
func TestPrefetchKnowsSBOMFlags(t *testing.T) {
	a := newApp(strings.NewReader(""), io.Discard, io.Discard, os.LookupEnv)
	var cmd *cobra.Command
	for _, c := range a.rootCommand().Commands() {
		if c.Name() == "sbom" {
			cmd = c
		}
	}
	cmd.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Name == "hash" || f.Name == "help" || f.Deprecated != "" {
			return
		}
		args := []string{"sbom", "--" + f.Name}
		if f.Value.Type() != "bool" {
			args = append(args, "VALUE")
		}
		if got := prefetch.Candidate(append(args, "app")); got != "app" {
			t.Errorf("--%s (%s): the early hash would read %q", f.Name, f.Value.Type(), got)
		}
		if f.Shorthand != "" && f.Value.Type() != "bool" {
			if got := prefetch.Candidate([]string{"sbom", "-" + f.Shorthand, "VALUE", "app"}); got != "app" {
				t.Errorf("-%s: the early hash would read %q", f.Shorthand, got)
			}
		}
	})
}

// The program hashes the binary its command line names while it starts (package prefetch): the digest the
// document records is the file's, as with the hash made after start-up.
func TestEarlyHashIsTheFilesDigest(t *testing.T) {
	bin := filepath.Join(buildFerroseal(t), "ferroseal")
	data := mustRead(t, filepath.Join(binFixtures, "x86_64-linux.elf"))
	tail := make([]byte, 6<<20) // past the size worth hashing early; an ELF file's trailing bytes are not read
	for i := range tail {
		tail[i] = byte(i * 7)
	}
	data = append(data, tail...)
	app := filepath.Join(t.TempDir(), "app")
	os.WriteFile(app, data, 0o755)
	want := fmt.Sprintf("%x", sha256.Sum256(data))
	for _, extra := range [][]string{nil, {"--hash", "sha256"}} {
		out := filepath.Join(t.TempDir(), "app.cdx.json")
		args := append([]string{"sbom", app, "-o", "cyclonedx-json=" + out}, extra...)
		if msg, err := exec.Command(bin, args...).CombinedOutput(); err != nil {
			t.Fatalf("%v: %v\n%s", args, err, msg)
		}
		if doc := string(mustRead(t, out)); !strings.Contains(doc, `"content": "`+want+`"`) {
			t.Errorf("%v: the document does not record the file's SHA-256 %s", args, want)
		}
	}
}
