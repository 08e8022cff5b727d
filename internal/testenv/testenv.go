// Package testenv finds what ferroseal's tests run against: the repository, the pinned external tools that
// scripts/install-tools.sh installs, the shared fixtures, and a cargo set up to build the examples offline from
// Debian's packaged crates.
//
// A test that needs something missing skips with a message saying how to get it, unless FERROSEAL_REQUIRE_TOOLS=1
// (set by `make test` and CI), where it fails: CI must never pass by skipping.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// Required reports whether missing tools fail tests instead of skipping them.
func Required() bool { return os.Getenv("FERROSEAL_REQUIRE_TOOLS") == "1" }

// Missing skips the test, or fails it when tools are required.
func Missing(t testing.TB, format string, args ...any) {
	t.Helper()
	if Required() {
		t.Fatalf("FERROSEAL_REQUIRE_TOOLS=1 but "+format, args...)
	}
	t.Skipf(format, args...)
}

var repoRoot = sync.OnceValue(func() string {
	_, file, _, ok := runtime.Caller(0)
	if !ok {
		return ""
	}
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
})

// RepoRoot returns the repository's root directory.
func RepoRoot(t testing.TB) string {
	t.Helper()
	root := repoRoot()
	if _, err := os.Stat(filepath.Join(root, "go.mod")); err != nil {
		t.Fatalf("repository root not found from %s", root)
	}
	return root
}

// Tool returns the path of an external tool: .tools/bin/NAME (FERROSEAL_TOOLS/bin when set), else NAME on PATH.
func Tool(t testing.TB, name string) string {
	t.Helper()
	if p := FindTool(name); p != "" {
		return p
	}
	Missing(t, "%s is not installed: run scripts/install-tools.sh (or make tools)", name)
	return ""
}

// SharedFixtures returns ../shared/fixtures/real beside the repository, or skips: a user's clone does not have it.
func SharedFixtures(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(RepoRoot(t), "..", "shared", "fixtures", "real")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("shared fixtures not present at %s", dir)
	}
	return dir
}

// DebianRegistry is where Debian's librust-*-dev packages put their crates.
const DebianRegistry = "/usr/share/cargo/registry"

// Cargo prepares cargo for the examples: it checks that cargo and Debian's packaged crates are installed and sets
// CARGO_HOME, for the rest of the test, to a fresh folder whose config.toml replaces crates.io with them (the
// examples/debian-registry.toml). It returns the examples
// directory. Tests that call it cannot run in parallel.
func Cargo(t testing.TB) string {
	t.Helper()
	if _, err := exec.LookPath("cargo"); err != nil {
		Missing(t, "cargo is not installed: install the Rust toolchain (https://rustup.rs)")
	}
	examples := filepath.Join(RepoRoot(t), "examples")
	if entries, err := os.ReadDir(DebianRegistry); err != nil || len(entries) == 0 {
		Missing(t, "Debian's packaged crates are not installed: run scripts/install-tools.sh debian-crates")
	}
	config, err := os.ReadFile(filepath.Join(examples, "debian-registry.toml"))
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	if err := os.WriteFile(filepath.Join(home, "config.toml"), config, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("CARGO_HOME", home)
	return examples
}

// ExampleBinary returns the path of an example binary built with its cargo-auditable data by
// scripts/build-examples.sh (ws-app, sha-report, fleet-report), or skips.
func ExampleBinary(t testing.TB, name string) string {
	t.Helper()
	p := filepath.Join(RepoRoot(t), ".tools", "examples", name)
	if _, err := os.Stat(p); err != nil {
		Missing(t, "example binary %s is not built: run scripts/build-examples.sh", name)
	}
	return p
}

// FindTool is Tool without a test: the path of an installed tool, or "".
func FindTool(name string) string {
	dir := os.Getenv("FERROSEAL_TOOLS")
	if dir == "" {
		dir = filepath.Join(repoRoot(), ".tools")
	}
	p := filepath.Join(dir, "bin", name)
	if st, err := os.Stat(p); err == nil && !st.IsDir() {
		return p
	}
	if p, err := exec.LookPath(name); err == nil {
		return p
	}
	return ""
}
