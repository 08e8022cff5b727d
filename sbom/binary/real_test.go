package binary

import (
	"bytes"
	"compress/zlib"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferroseal/ferroseal/internal/testenv"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/cargo"
)

// TestRealExampleBinaries reads the examples built by real cargo and rustc from real crates (fleet-report has 200+
// crates), and checks the document against the embedded payload as llvm-objcopy extracts it, then enriches it from
// the example's Cargo.lock: every crate found there, with its checksum, and no disagreement.
func TestRealExampleBinaries(t *testing.T) {
	for _, ex := range []struct{ bin, dir string }{{"ws-app", "workspace"}, {"sha-report", "crates"}, {"fleet-report", "big-app"}} {
		t.Run(ex.bin, func(t *testing.T) {
			path := testenv.ExampleBinary(t, ex.bin)
			res, err := ReadFile(path, Options{})
			if err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(t.TempDir(), "section")
			cmd := exec.Command(testenv.Tool(t, "llvm-objcopy"), "--dump-section", ".dep-v0="+out, path, filepath.Join(t.TempDir(), "copy"))
			if msg, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("%v: %s", err, msg)
			}
			raw, err := os.ReadFile(out)
			if err != nil {
				t.Fatal(err)
			}
			zr, err := zlib.NewReader(bytes.NewReader(raw))
			if err != nil {
				t.Fatal(err)
			}
			js, err := io.ReadAll(zr)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(payloadGraph(t, js), docGraph(res.Doc)); diff != "" {
				t.Errorf("document differs from the payload llvm-objcopy extracts (-payload +sbom):\n%s", diff)
			}
			if ex.bin == "fleet-report" && len(res.Doc.Components) < 200 {
				t.Errorf("fleet-report has %d crates, want 200+", len(res.Doc.Components))
			}

			lf, err := cargo.ReadLockfileFile(filepath.Join(testenv.RepoRoot(t), "examples", ex.dir, "Cargo.lock"))
			if err != nil {
				t.Fatal(err)
			}
			ref, err := cargo.LockfileDocument(lf, cargo.LockfileOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if m := sbom.Enrich(res.Doc, ref); len(m) > 0 {
				t.Errorf("the binary disagrees with its own Cargo.lock: %+v", m)
			}
			want := map[string]string{}
			for _, p := range lf.Packages {
				want[p.Name+"@"+p.Version] = p.Checksum
			}
			for _, c := range res.Doc.Components {
				if got := c.Hash(sbom.SHA256); got != want[c.Name+"@"+c.Version] {
					t.Errorf("%s: SHA-256 %q after enrichment, Cargo.lock has %q", c.Ref, got, want[c.Name+"@"+c.Version])
				}
			}
			if err := res.Doc.Validate(); err != nil {
				t.Error(err)
			}
		})
	}
}
