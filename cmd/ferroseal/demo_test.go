package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

// TestDemo runs `make demo`'s script end to end: build, SBOMs, provenance, a signed release, and its verification
// by ferroseal and cosign.
func TestDemo(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the example workspace")
	}
	testenv.Cargo(t)
	testenv.Tool(t, "cosign")
	out := t.TempDir()
	cmd := exec.Command("bash", filepath.Join(testenv.RepoRoot(t), "scripts", "demo.sh"))
	cmd.Env = append(os.Environ(), "DEMO_OUT="+out)
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("demo: %v\n%s", err, b)
	}
	s := string(b)
	for _, want := range []string{"Verified ws-app", "SBOM lists exactly the 13 crates", "ws-app.cdx.json: OK"} {
		if !strings.Contains(s, want) {
			t.Errorf("demo output lacks %q", want)
		}
	}
	if n := strings.Count(s, "Verified OK"); n != 3 {
		t.Errorf("cosign verified %d attestations, want 3:\n%s", n, s)
	}
	for _, f := range []string{"release/ws-app.intoto.jsonl", "release/SHA256SUMS", "from-cargo/ws-app.spdx", "provenance.intoto.json"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Error(err)
		}
	}
}
