package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

// assertCleanFailure checks the contract for bad input: the documented exit code, exactly one line on stderr that
// mentions each of mention, nothing on stdout, and no output file (nor temporary file) left in dir.
func assertCleanFailure(t *testing.T, res cliResult, code int, dir string, mention ...string) {
	t.Helper()
	if res.code != code {
		t.Errorf("exit code %d, want %d (stderr %q)", res.code, code, res.stderr)
	}
	if n := strings.Count(res.stderr, "\n"); n != 1 || !strings.HasPrefix(res.stderr, "ferroseal: ") {
		t.Errorf("stderr has %d lines, want one 'ferroseal: ...' line: %q", n, res.stderr)
	}
	for _, m := range mention {
		if !strings.Contains(res.stderr, m) {
			t.Errorf("stderr %q does not mention %q", res.stderr, m)
		}
	}
	if res.stdout != "" {
		t.Errorf("stdout not empty: %q", res.stdout)
	}
	if dir != "" {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Name() != "keep" {
				t.Errorf("%s left behind in the output directory", e.Name())
			}
		}
	}
}

func TestSBOMBadInput(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "out")
	if err := os.Mkdir(out, 0o755); err != nil {
		t.Fatal(err)
	}
	target := filepath.Join(out, "sbom.cdx.json")
	brokenJSON := filepath.Join(dir, "broken.json")
	if err := os.WriteFile(brokenJSON, []byte(`{"packages": [`), 0o644); err != nil {
		t.Fatal(err)
	}
	notDir := filepath.Join(dir, "file")
	if err := os.WriteFile(notDir, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	badLock := filepath.Join(dir, "Cargo.lock")
	if err := os.WriteFile(badLock, []byte("[[package]]\nname = \"a\"\nversion = \"1.0.0\"\ndependencies = [\"ghost\"]\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name    string
		args    []string
		code    int
		mention []string
	}{
		{name: "no Cargo.toml", args: []string{"--manifest-path", filepath.Join(dir, "none", "Cargo.toml"), "--target", "all"},
			code: exitError, mention: []string{filepath.Join(dir, "none", "Cargo.toml"), "does not exist"}},
		{name: "manifest is a directory", args: []string{"--manifest-path", dir, "--target", "all"},
			code: exitError, mention: []string{dir, "is a directory"}},
		{name: "broken metadata JSON", args: []string{"--metadata", brokenJSON},
			code: exitError, mention: []string{brokenJSON, "invalid cargo metadata", "unexpected EOF"}},
		{name: "missing metadata file", args: []string{"--metadata", filepath.Join(dir, "nope.json")},
			code: exitError, mention: []string{filepath.Join(dir, "nope.json"), "no such file"}},
		{name: "broken lockfile", args: []string{"--lockfile", badLock},
			code: exitError, mention: []string{badLock, `"ghost"`}},
		{name: "unknown format", args: []string{"--lockfile", badLock, "-o", "yaml"},
			code: exitUsage, mention: []string{`unknown SBOM format "yaml"`}},
		{name: "unknown CycloneDX version", args: []string{"--lockfile", badLock, "-o", "cyclonedx-json@1.9"},
			code: exitUsage, mention: []string{"1.9"}},
		{name: "unknown flag", args: []string{"--frobnicate"}, code: exitUsage, mention: []string{"--frobnicate"}},
		{name: "two outputs to stdout", args: []string{"--lockfile", badLock, "-o", "spdx-json", "-o", "cyclonedx-json"},
			code: exitUsage, mention: []string{"stdout"}},
		{name: "features without cargo", args: []string{"--lockfile", badLock, "--features", "x"},
			code: exitUsage, mention: []string{"--features"}},
		{name: "bad SOURCE_DATE_EPOCH", args: []string{"--lockfile", badLock}, code: exitUsage, mention: []string{"SOURCE_DATE_EPOCH"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{}
			if tt.name == "bad SOURCE_DATE_EPOCH" {
				env["SOURCE_DATE_EPOCH"] = "yesterday"
			}
			args := append([]string{"sbom"}, tt.args...)
			if !strings.Contains(strings.Join(tt.args, " "), "-o") {
				args = append(args, "-o", "cyclonedx-json="+target)
			}
			assertCleanFailure(t, runCLI(t, env, "", args...), tt.code, out, tt.mention...)
		})
	}

	t.Run("unwritable output", func(t *testing.T) {
		lock := filepath.Join(testenv.RepoRoot(t), "examples", "workspace", "Cargo.lock")
		bad := filepath.Join(notDir, "x.cdx.json")
		res := runCLI(t, nil, "", "sbom", "--lockfile", lock, "-o", "cyclonedx-json="+bad)
		assertCleanFailure(t, res, exitError, "", bad, "not a directory")
	})

	t.Run("cargo missing", func(t *testing.T) {
		t.Setenv("PATH", t.TempDir())
		t.Setenv("CARGO", "")
		manifest := filepath.Join(testenv.RepoRoot(t), "examples", "workspace", "Cargo.toml")
		res := runCLI(t, nil, "", "sbom", "--manifest-path", manifest, "--target", "all", "-o", "cyclonedx-json="+target)
		assertCleanFailure(t, res, exitError, out, "cargo not found", "--metadata")
		res = runCLI(t, nil, "", "sbom", "--manifest-path", manifest, "-o", "cyclonedx-json="+target)
		assertCleanFailure(t, res, exitError, out, "rustc not found")
	})
}

// TestSBOMOutputs covers where documents go: stdout, -o with {name}, --output-dir, and metadata from stdin.
func TestSBOMOutputs(t *testing.T) {
	examples := testenv.Cargo(t)
	manifest := filepath.Join(examples, "workspace", "Cargo.toml")
	env := map[string]string{"SOURCE_DATE_EPOCH": "1767225600"}

	// Metadata piped on stdin gives the same document as running cargo.
	meta, err := exec.Command("cargo", "metadata", "--format-version", "1", "--offline", "--locked",
		"--filter-platform", "x86_64-unknown-linux-gnu", "--manifest-path", manifest).Output()
	if err != nil {
		t.Fatal(err)
	}
	fromStdin := runCLI(t, env, string(meta), "sbom", "--metadata", "-", "--target", "x86_64-unknown-linux-gnu")
	fromCargo := runCLI(t, env, "", "sbom", "--manifest-path", manifest, "--target", "x86_64-unknown-linux-gnu", "--offline")
	if fromStdin.code != 0 || fromCargo.code != 0 {
		t.Fatalf("exit codes %d, %d: %s %s", fromStdin.code, fromCargo.code, fromStdin.stderr, fromCargo.stderr)
	}
	if fromStdin.stdout != fromCargo.stdout || !strings.Contains(fromStdin.stdout, `"bomFormat": "CycloneDX"`) {
		t.Errorf("metadata from stdin and from cargo give different documents")
	}

	// Every member: two documents cannot share stdout, but can share a {name} pattern or a directory.
	res := runCLI(t, env, "", "sbom", "--manifest-path", manifest, "--offline", "--package", "greet")
	if res.code != 0 || !strings.Contains(res.stdout, `"name": "greet"`) {
		t.Fatalf("--package greet: exit %d %s", res.code, res.stderr)
	}
	dir := t.TempDir()
	res = runCLI(t, env, "", "sbom", "--manifest-path", manifest, "--offline", "--output-dir", filepath.Join(dir, "sboms"), "-o", "spdx-json", "-o", "cyclonedx-xml")
	if res.code != 0 {
		t.Fatalf("--output-dir: exit %d %s", res.code, res.stderr)
	}
	for _, f := range []string{"ws-app.spdx.json", "ws-app.cdx.xml"} {
		if _, err := os.Stat(filepath.Join(dir, "sboms", f)); err != nil {
			t.Errorf("--output-dir: %v", err)
		}
	}
	res = runCLI(t, env, "", "sbom", "--manifest-path", manifest, "--offline", "--package", "greet-macros", "-o", "cyclonedx-json="+filepath.Join(dir, "{name}.json"))
	if res.code != 0 {
		t.Fatalf("{name}: exit %d %s", res.code, res.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "greet-macros.json")); err != nil {
		t.Errorf("{name} not expanded: %v", err)
	}
}
