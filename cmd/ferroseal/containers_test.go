package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

func runTool(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
	}
}

// containerRelease makes what a Rust project ships besides bare binaries, with the tools that make them: a
// .tar.xz (tar, xz), a .deb (dpkg-deb), a container image as a docker-archive (umoci, then skopeo) holding a Rust
// binary and one without data, and a WebAssembly component (jco).
func containerRelease(t *testing.T) string {
	t.Helper()
	umoci, skopeo, dpkg, xz, jco := testenv.Tool(t, "umoci"), testenv.Tool(t, "skopeo"), testenv.Tool(t, "dpkg-deb"), testenv.Tool(t, "xz"), testenv.Tool(t, "jco")
	work, dist := t.TempDir(), filepath.Join(t.TempDir(), "dist")
	os.MkdirAll(dist, 0o755)
	fixture, _ := filepath.Abs(binFixtures)
	tree := filepath.Join(work, "tree")
	os.MkdirAll(filepath.Join(tree, "usr", "bin"), 0o755)
	os.WriteFile(filepath.Join(tree, "usr", "bin", "app"), mustRead(t, filepath.Join(fixture, "x86_64-linux.elf")), 0o755)
	runTool(t, tree, "tar", "-cf", filepath.Join(work, "app.tar"), "usr")
	xzData, err := exec.Command(xz, "-c", filepath.Join(work, "app.tar")).Output()
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dist, "app-x86_64-linux.tar.xz"), xzData, 0o644)
	os.MkdirAll(filepath.Join(tree, "DEBIAN"), 0o755)
	os.WriteFile(filepath.Join(tree, "DEBIAN", "control"), []byte("Package: app\nVersion: 1.2.0\nArchitecture: amd64\nMaintainer: R <r@example.com>\nDescription: app\n"), 0o644)
	runTool(t, "", dpkg, "--root-owner-group", "--build", tree, filepath.Join(dist, "app_1.2.0_amd64.deb"))
	oci := filepath.Join(work, "oci")
	runTool(t, "", umoci, "init", "--layout", oci)
	runTool(t, "", umoci, "new", "--image", oci+":1.2.0")
	runTool(t, "", umoci, "config", "--image", oci+":1.2.0", "--os", "linux", "--architecture", "amd64")
	runTool(t, "", umoci, "insert", "--image", oci+":1.2.0", filepath.Join(fixture, "aarch64-linux.elf"), "/usr/local/bin/app")
	runTool(t, "", umoci, "insert", "--image", oci+":1.2.0", filepath.Join(fixture, "no-section.elf"), "/usr/bin/helper")
	runTool(t, "", skopeo, "copy", "--quiet", "oci:"+oci+":1.2.0", "docker-archive:"+filepath.Join(dist, "app-image.tar")+":example.com/app:1.2.0")
	runTool(t, "", skopeo, "copy", "--quiet", "oci:"+oci+":1.2.0", "oci-archive:"+filepath.Join(dist, "app-oci.tar")+":1.2.0")
	runTool(t, "", jco, "new", filepath.Join(fixture, "wasm32.wasm"), "-o", filepath.Join(dist, "app.component.wasm"))
	runTool(t, "", testenv.Tool(t, "zstd"), "-q", "-19", filepath.Join(work, "app.tar"), "-o", filepath.Join(dist, "app-x86_64-linux.tar.zst"))
	// An RPM, by rpmbuild, with an xz payload.
	top := filepath.Join(work, "rpm")
	os.MkdirAll(filepath.Join(top, "SPECS"), 0o755)
	spec := filepath.Join(top, "SPECS", "app.spec")
	os.WriteFile(spec, []byte("Name: app\nVersion: 1.2.0\nRelease: 1\nSummary: app\nLicense: MIT\n%global debug_package %{nil}\n"+
		"%description\napp\n%install\nmkdir -p %{buildroot}/usr/bin\ncp "+filepath.Join(tree, "usr", "bin", "app")+" %{buildroot}/usr/bin/\n"+
		"%files\n/usr/bin/app\n"), 0o644)
	runTool(t, "", testenv.Tool(t, "rpmbuild"), "-bb", "--quiet", "--define", "_topdir "+top, "--define", "__strip /bin/true",
		"--define", "_build_id_links none", "--define", "_binary_payload w6.xzdio", spec)
	rpms, _ := filepath.Glob(filepath.Join(top, "RPMS", "*", "*.rpm"))
	if len(rpms) != 1 {
		t.Fatalf("rpmbuild made %v", rpms)
	}
	os.WriteFile(filepath.Join(dist, "app-1.2.0-1.x86_64.rpm"), mustRead(t, rpms[0]), 0o644)
	return dist
}

// TestContainersEndToEnd (issue: every artifact a Rust release ships): each container is described by sbom,
// shown by inspect, released with SHA256SUMS naming the package or archive, and verified with --check-sbom; an
// image's document has the image as subject and its Rust binary, with its path and layer, as a component.
func TestContainersEndToEnd(t *testing.T) {
	dist := containerRelease(t)
	image := filepath.Join(dist, "app-image.tar")
	out := filepath.Join(t.TempDir(), "image.cdx.json")
	res := runCLI(t, nil, "", "sbom", image, "-o", "cyclonedx-json="+out)
	if res.code != 0 || !strings.Contains(res.stderr, "image example.com/app:1.2.0 (linux/amd64): 1 binary without cargo-auditable data left out (/usr/bin/helper)") {
		t.Fatalf("sbom of an image: exit %d: %s", res.code, res.stderr)
	}
	testenv.ValidateSBOM(t, out)
	var bom struct {
		Metadata struct {
			Component struct {
				Type, Name, Purl string
			}
		}
		Components []struct {
			Type, Name string
			Properties []struct{ Name, Value string }
		}
	}
	json.Unmarshal(mustRead(t, out), &bom)
	if m := bom.Metadata.Component; m.Type != "container" || m.Name != "example.com/app:1.2.0" || !strings.HasPrefix(m.Purl, "pkg:oci/app@sha256:") && m.Purl != "" {
		t.Errorf("image subject %+v", m)
	}
	apps := 0
	for _, c := range bom.Components {
		if c.Type != "application" {
			continue
		}
		apps++
		props := map[string]string{}
		for _, p := range c.Properties {
			props[p.Name] = p.Value
		}
		if props["ferroseal:image:path"] != "/usr/local/bin/app" || !strings.HasPrefix(props["ferroseal:image:layer"], "sha256:") {
			t.Errorf("binary component %s: %v", c.Name, props)
		}
	}
	if apps != 1 {
		t.Errorf("%d binaries in the image's document, want 1", apps)
	}
	res = runCLI(t, nil, "", "inspect", image)
	if res.code != 0 || !strings.Contains(res.stdout, "/usr/local/bin/app") || !strings.Contains(res.stdout, "layer sha256:") || !strings.Contains(res.stdout, "ws-app") {
		t.Errorf("inspect of an image: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	key, pub := keygen(t, t.TempDir(), "ecdsa-p256")
	res = runCLI(t, pwEnv, "", "release", dist, "--key", key, "--no-provenance", "--if-not-auditable", "skip")
	if res.code != 0 {
		t.Fatalf("release: %s", res.stderr)
	}
	sums := string(mustRead(t, filepath.Join(dist, "SHA256SUMS")))
	for _, art := range []string{"app-x86_64-linux.tar.xz", "app-x86_64-linux.tar.zst", "app_1.2.0_amd64.deb", "app-1.2.0-1.x86_64.rpm",
		"app-image.tar", "app-oci.tar", "app.component.wasm"} {
		if !strings.Contains(sums, "  "+art+"\n") {
			t.Errorf("SHA256SUMS does not name %s", art)
		}
		if res := runCLI(t, nil, "", "inspect", filepath.Join(dist, art)); res.code != 0 || !strings.Contains(res.stdout, "ws-app") {
			t.Errorf("inspect %s: exit %d\n%s%s", art, res.code, res.stdout, res.stderr)
		}
		res := runCLI(t, nil, "", "verify", filepath.Join(dist, art), "--key", pub, "--type", "cyclonedx", "--type", "spdx", "--check-sbom")
		if res.code != 0 {
			t.Errorf("verify %s: %s", art, res.stderr)
		}
	}
	// The .deb's SBOM does not describe the image.
	res = runCLI(t, nil, "", "verify", image, "--key", pub, "--bundle", filepath.Join(dist, "app_1.2.0_amd64.deb.intoto.jsonl"), "--check-sbom")
	if res.code != exitVerifyFailed {
		t.Errorf("the package's attestations verify the image: exit %d", res.code)
	}
}

// TestCargoSBOMPrecursor (issue: cargo's own SBOM precursor): a binary built with cargo -Z sbom has
// NAME.cargo-sbom.json next to it. sbom prefers it when it agrees with the embedded data (features come along),
// warns and keeps the embedded data when it disagrees, describes a binary without data from it alone (warning that
// nothing confirms it), and --no-cargo-sbom leaves it out; release attests what sbom writes, and verify
// --check-sbom, which compares with the embedded data only, passes on the agreeing release.
func TestCargoSBOMPrecursor(t *testing.T) {
	bin := testenv.ExampleBinary(t, "ws-app")
	pre, err := os.ReadFile(bin + ".cargo-sbom.json")
	if err != nil {
		testenv.Missing(t, "ws-app has no precursor: run scripts/build-examples.sh")
	}
	dist := t.TempDir()
	app := filepath.Join(dist, "ws-app")
	os.WriteFile(app, mustRead(t, bin), 0o755)
	os.WriteFile(app+".cargo-sbom.json", pre, 0o644)
	out := filepath.Join(t.TempDir(), "app.cdx.json")
	res := runCLI(t, nil, "", "sbom", app, "-o", "cyclonedx-json="+out)
	if res.code != 0 || strings.Contains(res.stderr, "warning") {
		t.Fatalf("agreeing precursor: exit %d: %s", res.code, res.stderr)
	}
	doc := string(mustRead(t, out))
	if !strings.Contains(doc, `"ferroseal:cargo:features"`) || !strings.Contains(doc, `"value": "cargo-sbom"`) {
		t.Errorf("the agreeing precursor is not used:\n%s", doc)
	}
	res = runCLI(t, nil, "", "sbom", app, "--no-cargo-sbom", "-o", "cyclonedx-json="+out)
	if res.code != 0 || strings.Contains(string(mustRead(t, out)), "ferroseal:cargo:features") {
		t.Errorf("--no-cargo-sbom: exit %d: %s", res.code, res.stderr)
	}

	key, pub := keygen(t, t.TempDir(), "ecdsa-p256")
	rel := filepath.Join(t.TempDir(), "rel")
	os.MkdirAll(rel, 0o755)
	os.WriteFile(filepath.Join(rel, "ws-app"), mustRead(t, bin), 0o755)
	os.WriteFile(filepath.Join(rel, "ws-app.cargo-sbom.json"), pre, 0o644)
	res = runCLI(t, pwEnv, "", "release", rel, "--key", key, "--no-provenance")
	if res.code != 0 {
		t.Fatalf("release: %s", res.stderr)
	}
	res = runCLI(t, nil, "", "verify", filepath.Join(rel, "ws-app"), "--key", pub, "--type", "cyclonedx", "--check-sbom")
	if res.code != 0 {
		t.Errorf("verify --check-sbom of a release described by its precursor: %s", res.stderr)
	}

	// Disagreeing: another version of a crate. The embedded data is used, and the warning names the difference.
	os.WriteFile(app+".cargo-sbom.json", []byte(strings.ReplaceAll(string(pre), "#itoa@1.0.1", "#itoa@1.0.9")), 0o644)
	res = runCLI(t, nil, "", "sbom", app, "-o", "cyclonedx-json="+out)
	if res.code != 0 || !strings.Contains(res.stderr, "warning: "+app+": cargo's SBOM precursor") || !strings.Contains(res.stderr, "the precursor has itoa 1.0.9") {
		t.Errorf("disagreeing precursor: exit %d: %s", res.code, res.stderr)
	}
	if doc := string(mustRead(t, out)); !strings.Contains(doc, `"value": "cargo-auditable"`) || strings.Contains(doc, `"version": "1.0.9"`) {
		t.Errorf("the embedded data is not what the document says")
	}

	// A binary without data, described by its precursor alone.
	bare := filepath.Join(dist, "bare")
	os.WriteFile(bare, mustRead(t, filepath.Join(binFixtures, "no-section.elf")), 0o755)
	os.WriteFile(bare+".cargo-sbom.json", pre, 0o644)
	res = runCLI(t, nil, "", "sbom", bare, "-o", "cyclonedx-json="+out)
	if res.code != 0 || !strings.Contains(res.stderr, "which nothing in the binary confirms") {
		t.Errorf("precursor alone: exit %d: %s", res.code, res.stderr)
	}
	res = runCLI(t, nil, "", "sbom", bare, "--no-cargo-sbom", "-o", "cyclonedx-json="+out)
	if res.code != exitNotAuditable {
		t.Errorf("precursor ignored: exit %d, want %d", res.code, exitNotAuditable)
	}
}
