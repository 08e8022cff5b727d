package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
	"github.com/ferroseal/ferroseal/sbom/conformance"
)

var bsiFormats = []struct{ name, ext string }{
	{"cyclonedx-json", ".bsi.cdx.json"},
	{"cyclonedx-xml", ".bsi.cdx.xml"},
	{"spdx3-json", ".bsi.spdx3.json"},
}

var bsiFlags = []string{"--profile", "bsi-tr-03183-2", "--sbom-author", "Release Team <release@example.com> https://example.com/release",
	"--download-url", "https://github.com/ferroseal/ferroseal/releases/download/v0.3.1/{name}"}

// TestGoldenBSI writes the profile's documents for a binary (enriched from the workspace it was built from) and for the
// example workspace, twice; compares them with the golden files; validates them; and keeps, as golden files too,
// what `sbom check` finds missing: the SHA-512 of crates whose .crate files are not at hand, and for the
// workspace (no artifact built) the artifact's file facts.
func TestGoldenBSI(t *testing.T) {
	examples := testenv.Cargo(t)
	dir := t.TempDir()
	cases := []struct {
		name string
		args []string
	}{
		{name: "bsi/x86_64-linux.elf", args: []string{filepath.Join(binFixtures, "x86_64-linux.elf"), "--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml"), "--offline", "--locked"}},
		{name: "bsi/ws-app", args: []string{"--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml"), "--offline", "--locked", "--target", "x86_64-unknown-linux-gnu"}},
	}
	env := map[string]string{"SOURCE_DATE_EPOCH": "1767225600"}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var runs [2]map[string][]byte
			for run := range runs {
				runs[run] = map[string][]byte{}
				args := append(append([]string{"sbom"}, tc.args...), bsiFlags...)
				for _, f := range bsiFormats {
					args = append(args, "-o", f.name+"="+filepath.Join(dir, itoa(run)+f.ext))
				}
				res := runCLI(t, env, "", args...)
				if res.code != 0 {
					t.Fatalf("exit %d: %s", res.code, res.stderr)
				}
				for _, f := range bsiFormats {
					runs[run][f.ext] = mustRead(t, filepath.Join(dir, itoa(run)+f.ext))
				}
			}
			for _, f := range bsiFormats {
				got := runs[0][f.ext]
				if string(got) != string(runs[1][f.ext]) {
					t.Errorf("%s: two runs differ", f.ext)
				}
				golden(t, tc.name+f.ext, got)
				testenv.ValidateSBOM(t, filepath.Join("testdata", "golden", tc.name+f.ext))
				res := runCLI(t, nil, "", "sbom", "check", filepath.Join("testdata", "golden", tc.name+f.ext), "--profile", "bsi-tr-03183-2")
				if res.code != exitError {
					t.Errorf("%s: sbom check exit %d, want 1 (crates without SHA-512)", f.ext, res.code)
				}
				golden(t, tc.name+f.ext+".check.txt", []byte(strings.ReplaceAll(res.stdout, filepath.Join("testdata", "golden")+"/", "")))
			}
		})
	}
}

// TestBSIConformantEndToEnd builds a program whose dependency comes from a registry (a local registry holding the
// .crate file cargo package made), with cargo's SBOM precursor, and describes it with the profile: every field the
// guideline requires is there, in CycloneDX 1.7, CycloneDX 1.6 and SPDX 3, and sbom check says so. Without the
// .crate file at hand, the crate's SHA-512 is the one thing missing.
func TestBSIConformantEndToEnd(t *testing.T) {
	if _, err := exec.LookPath("cargo"); err != nil {
		testenv.Missing(t, "cargo is not installed")
	}
	dir := t.TempDir()
	write := func(path, content string) {
		t.Helper()
		p := filepath.Join(dir, path)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("dep/Cargo.toml", `[package]
name = "bsidep"
version = "1.0.0"
edition = "2021"
license = "MIT OR Apache-2.0"
description = "A dependency from a registry."
authors = ["Dep Author <dep@example.com>"]
repository = "https://example.com/bsidep"
`)
	write("dep/src/lib.rs", "pub fn n() -> u32 { 7 }\n")
	home := filepath.Join(dir, "cargo-home")
	run := func(wd string, extra []string, args ...string) {
		t.Helper()
		cmd := exec.Command("cargo", args...)
		cmd.Dir = filepath.Join(dir, wd)
		cmd.Env = append(os.Environ(), append([]string{"CARGO_HOME=" + home, "CARGO_TARGET_DIR=" + filepath.Join(dir, "target")}, extra...)...)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("cargo %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	run("dep", nil, "package", "--no-verify", "--allow-dirty", "--offline")
	crate := mustRead(t, filepath.Join(dir, "target", "package", "bsidep-1.0.0.crate"))
	sum := sha256.Sum256(crate)
	write("registry/bsidep-1.0.0.crate", string(crate))
	line, _ := json.Marshal(map[string]any{"name": "bsidep", "vers": "1.0.0", "deps": []any{}, "cksum": hex.EncodeToString(sum[:]), "features": map[string]any{}, "yanked": false})
	write("registry/index/bs/id/bsidep", string(line)+"\n")
	write("cargo-home/config.toml", `[source.crates-io]
replace-with = "local"
[source.local]
local-registry = "`+filepath.Join(dir, "registry")+`"
`)
	write("app/Cargo.toml", `[package]
name = "bsiapp"
version = "2.1.0"
edition = "2021"
license = "Apache-2.0"
authors = ["App Maker <maker@example.com>"]
repository = "https://example.com/bsiapp"

[dependencies]
bsidep = "1"
`)
	write("app/src/main.rs", "fn main() { println!(\"{}\", bsidep::n()); }\n")
	run("app", []string{"RUSTC_BOOTSTRAP=1", "CARGO_BUILD_SBOM=true"}, "build", "--release", "--offline", "-Z", "sbom")
	bin := filepath.Join(dir, "target", "release", "bsiapp")

	t.Setenv("CARGO_HOME", home) // for the cargo metadata ferroseal runs
	env := map[string]string{"SOURCE_DATE_EPOCH": "1767225600"}
	out := filepath.Join(dir, "out")
	for _, withCrates := range []bool{true, false} {
		args := append([]string{"sbom", bin, "--manifest-path", filepath.Join(dir, "app", "Cargo.toml"), "--offline", "--output-dir", out,
			"-o", "cyclonedx-json", "-o", "cyclonedx-json@1.6", "-o", "spdx3-json"}, bsiFlags...)
		if withCrates {
			args = append(args, "--crate-dir", filepath.Join(dir, "registry"))
		}
		res := runCLI(t, env, "", args...)
		if res.code != 0 {
			t.Fatalf("exit %d: %s", res.code, res.stderr)
		}
		for _, f := range []string{"bsiapp.1.7.cdx.json", "bsiapp.1.6.cdx.json", "bsiapp.spdx3.json"} {
			path := filepath.Join(out, f)
			testenv.ValidateSBOM(t, path)
			r, err := conformance.Check(mustRead(t, path), "bsi-tr-03183-2")
			if err != nil {
				t.Fatal(err)
			}
			// CycloneDX 1.6 holds one license expression: a crate under "MIT OR Apache-2.0" has its original
			// licence there, not its distribution licence.
			var want []string
			if f == "bsiapp.1.6.cdx.json" {
				want = append(want, "bsidep 1.0.0: distribution licences")
			}
			if !withCrates {
				want = append(want, "bsidep 1.0.0: hash of the deployable component")
			}
			var got []string
			for _, x := range r.Findings {
				got = append(got, x.Name+": "+x.Field)
			}
			if strings.Join(got, "\n") != strings.Join(want, "\n") || r.Conformant != (len(want) == 0) {
				t.Errorf("%s (crate files at hand: %v): findings\n%s\nwant\n%s", f, withCrates, strings.Join(got, "\n"), strings.Join(want, "\n"))
			}
		}
	}
}

// TestBSIUsage: the profile needs an author that can be reached and formats the guideline allows.
func TestBSIUsage(t *testing.T) {
	bin := filepath.Join(binFixtures, "x86_64-linux.elf")
	for name, c := range map[string]struct {
		args    []string
		mention string
	}{
		"no author":       {[]string{"--profile", "bsi-tr-03183-2"}, "--sbom-author"},
		"author no email": {[]string{"--profile", "bsi-tr-03183-2", "--sbom-author", "Nobody"}, "e-mail address or a URL"},
		"SPDX 2":          {append([]string{"-o", "spdx-json"}, bsiFlags...), "spdx3-json"},
		"CycloneDX 1.5":   {append([]string{"-o", "cyclonedx-json@1.5"}, bsiFlags...), "CycloneDX 1.6 or later"},
		"unknown profile": {[]string{"--profile", "cra"}, "unknown --profile"},
		"no profile":      {[]string{"--download-url", "https://example.com/x"}, "--profile"},
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			args := append([]string{"sbom", bin, "--output-dir", dir}, c.args...)
			assertCleanFailure(t, runCLI(t, nil, "", args...), exitUsage, dir, c.mention)
		})
	}
}

// release takes the profile too: its SBOMs (CycloneDX 1.7 and SPDX 3.0.1 by default) carry every field the
// guideline requires except the SHA-512 of registry crates whose .crate files are not at hand, are attested and
// verify against the binary; without an author the release stops before writing anything.
func TestReleaseWithBSIProfile(t *testing.T) {
	examples := testenv.Cargo(t)
	dir := t.TempDir()
	rel := filepath.Join(dir, "dist")
	os.MkdirAll(rel, 0o755)
	app := filepath.Join(rel, "ws-app")
	os.WriteFile(app, mustRead(t, testenv.ExampleBinary(t, "ws-app")), 0o755)
	key, pub := keygen(t, dir, "ecdsa-p256")
	base := []string{"release", rel, "--key", key, "--no-provenance", "--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml")}
	res := runCLI(t, pwEnv, "", append(base, "--profile", "bsi-tr-03183-2")...)
	if res.code != exitUsage || !strings.Contains(res.stderr, "--sbom-author") {
		t.Errorf("no author: exit %d: %s", res.code, res.stderr)
	}
	if entries, _ := os.ReadDir(rel); len(entries) != 1 {
		t.Errorf("a refused release wrote %d files", len(entries)-1)
	}
	res = runCLI(t, pwEnv, "", append(base, bsiFlags...)...)
	if res.code != 0 {
		t.Fatalf("release: %s", res.stderr)
	}
	for _, name := range []string{"ws-app.cdx.json", "ws-app.spdx3.json"} {
		res := runCLI(t, nil, "", "sbom", "check", filepath.Join(rel, name), "--profile", "bsi-tr-03183-2", "--output", "json")
		var one struct {
			Format   string `json:"format"`
			Findings []struct {
				Component string `json:"component"`
				Field     string `json:"field"`
			} `json:"findings"`
		}
		if err := json.Unmarshal([]byte(res.stdout), &one); err != nil {
			t.Fatalf("%s: %v %s", name, err, res.stdout)
		}
		if !strings.Contains(one.Format, "1.7") && !strings.Contains(one.Format, "SPDX 3") {
			t.Errorf("%s is %s", name, one.Format)
		}
		registry := 0
		for _, f := range one.Findings {
			if f.Field != "hash of the deployable component" {
				t.Errorf("%s: %s: %s missing", name, f.Component, f.Field)
			}
			registry++
		}
		if registry == 0 || registry > 12 {
			t.Errorf("%s: %d crates without SHA-512, want the registry crates", name, registry)
		}
	}
	res = runCLI(t, nil, "", "verify", app, "--key", pub, "--type", "cyclonedx", "--type", "spdx3", "--check-sbom")
	if res.code != 0 {
		t.Errorf("verify: %s", res.stderr)
	}
}
