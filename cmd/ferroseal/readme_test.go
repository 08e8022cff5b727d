package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

// readmeBlock returns the first ```sh block after the heading in README.md.
func readmeBlock(t *testing.T, heading string) string {
	t.Helper()
	readme := string(mustRead(t, filepath.Join(testenv.RepoRoot(t), "README.md")))
	i := strings.Index(readme, "\n"+heading+"\n")
	if i < 0 {
		t.Fatalf("README has no heading %q", heading)
	}
	m := regexp.MustCompile("(?s)```sh\n(.*?)```").FindStringSubmatch(readme[i:])
	if m == nil {
		t.Fatalf("no sh block under %q", heading)
	}
	return m[1]
}

// TestReadmeQuickStarts runs the README's two quick starts as they are written ("cargo install" excepted: the
// install script provides cargo-auditable): a release with a key, of a cargo project named app in a checkout of
// github.com/OWNER/REPO at the tag v1.2.0, then the verification of the download, with the key.
func TestReadmeQuickStarts(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a cargo project")
	}
	testenv.Cargo(t)
	auditable := filepath.Join(testenv.RepoRoot(t), ".tools", "cargo-auditable", "bin")
	if tools := os.Getenv("FERROSEAL_TOOLS"); tools != "" {
		auditable = filepath.Join(tools, "cargo-auditable", "bin")
	}
	if _, err := os.Stat(filepath.Join(auditable, "cargo-auditable")); err != nil {
		if _, err := exec.LookPath("cargo-auditable"); err != nil {
			testenv.Missing(t, "cargo-auditable is not installed: run scripts/install-tools.sh cargo-auditable")
		}
	}
	bin := buildFerroseal(t)
	dir := filepath.Join(t.TempDir(), "app")
	os.MkdirAll(filepath.Join(dir, "src"), 0o755)
	os.WriteFile(filepath.Join(dir, "Cargo.toml"), []byte("[package]\nname = \"app\"\nversion = \"1.2.0\"\nedition = \"2021\"\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "src", "main.rs"), []byte("fn main() { println!(\"app\"); }\n"), 0o644)
	env := map[string]string{
		"PATH":               bin + ":" + auditable + ":" + os.Getenv("PATH"),
		"FERROSEAL_PASSWORD": "correct horse",
		"CARGO_TARGET_DIR":   filepath.Join(dir, "target"),
	}
	runScript(t, "project", dir, `cargo generate-lockfile --offline
git init -q -b main && git add -A && git -c user.email=ci@example.com -c user.name=CI commit -q -m release
git tag v1.2.0 && git remote add origin https://github.com/OWNER/REPO.git`, env)

	var steps []string
	for _, line := range strings.Split(readmeBlock(t, "### In a release pipeline"), "\n") {
		if !strings.HasPrefix(line, "cargo install") {
			steps = append(steps, line)
		}
	}
	out := runScript(t, "release", dir, strings.Join(steps, "\n"), env)
	if !strings.Contains(out, "provenance: signed the build record provenance.intoto.json") {
		t.Errorf("the release does not say it signed the build record:\n%s", out)
	}
	// The user downloads dist/ and the public key.
	os.Rename(filepath.Join(dir, "ferroseal.pub"), filepath.Join(dir, "dist", "ferroseal.pub"))
	out = runScript(t, "verify", filepath.Join(dir, "dist"), readmeBlock(t, "### Verifying a download"), env)
	for _, want := range []string{"app: OK", "Verified app", "SBOM lists exactly the 1 crates", "from github.com/OWNER/REPO at refs/heads/main", "tags at the commit built: v1.2.0"} {
		if !strings.Contains(out, want) {
			t.Errorf("the verification does not say %q:\n%s", want, out)
		}
	}
}

// TestProvenanceHelpFlow runs the flow provenance --help describes: the statement it writes, signed with attest
// --predicate as it is, verifies with the provenance policy flags. A statement wrapped as a predicate (what attest
// used to make of it) is reported as such.
func TestProvenanceHelpFlow(t *testing.T) {
	examples := testenv.Cargo(t)
	help := runCLI(t, nil, "", "provenance", "--help").stdout
	if !strings.Contains(help, "ferroseal attest ARTIFACT... --type slsaprovenance1 --predicate FILE --key KEY") {
		t.Fatalf("provenance --help no longer shows the flow:\n%s", help)
	}
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	key, pub := keygen(t, dir, "ecdsa-p256")
	stmt := filepath.Join(dir, "app.provenance.json")
	if res := runCLI(t, nil, "", "provenance", art, "--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml"),
		"--command", "cargo auditable build --release --locked", "--provenance", stmt); res.code != 0 {
		t.Fatal(res.stderr)
	}
	if res := runCLI(t, pwEnv, "", strings.Fields("attest "+art+" --type slsaprovenance1 --predicate "+stmt+" --key "+key)...); res.code != 0 {
		t.Fatal(res.stderr)
	}
	res := runCLI(t, nil, "", "verify", art, "--key", pub, "--type", "slsaprovenance1", "--builder-id",
		"https://github.com/ferroseal/ferroseal/blob/main/docs/buildtype-cargo-v1.md#local-builder")
	if res.code != 0 {
		t.Errorf("the documented flow does not verify with a policy flag: %s", res.stderr)
	}
	// The statement of another artifact is not signed about this one.
	other := copyFixture(t, "aarch64-linux.elf", dir, "other")
	res = runCLI(t, pwEnv, "", "attest", other, "--type", "slsaprovenance1", "--predicate", stmt, "--key", key)
	assertCleanFailure(t, res, exitError, "", "does not name other")
}
