package release

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/sbom/format"
)

const fixtures = "../sbom/auditable/testdata/bin"

func newKey(t *testing.T) *attest.Keypair {
	t.Helper()
	dir := t.TempDir()
	priv, _, err := attest.GenerateKey(attest.ECDSAP256, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "k.key"), priv, 0o600)
	key, err := attest.LoadPrivateKey(context.Background(), filepath.Join(dir, "k.key"), func(bool) ([]byte, error) { return []byte("pw"), nil })
	if err != nil {
		t.Fatal(err)
	}
	return key
}

// failingKey signs n times, then fails: a KMS or network failure in the middle of a release.
type failingKey struct {
	*attest.Keypair
	n int
}

func (k *failingKey) SignData(ctx context.Context, data []byte) ([]byte, []byte, error) {
	if k.n--; k.n < 0 {
		return nil, nil, errors.New("the key service went away")
	}
	return k.Keypair.SignData(ctx, data)
}

func trusting(t *testing.T, key *attest.Keypair) root.TrustedMaterial {
	v, err := signature.LoadDefaultVerifier(key.GetPublicKey())
	if err != nil {
		t.Fatal(err)
	}
	return root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(v, time.Time{}, time.Time{}), nil
	})
}

func copyBin(t *testing.T, fixture, dst string) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(fixtures, fixture))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		t.Fatal(err)
	}
}

func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		out[e.Name()] = string(b)
	}
	return out
}

// TestFailureReplacesNothing: a release that fails halfway (the signer fails on the third signature, after the
// first artifact's SBOMs are signed) leaves the release directory as it was: no new SBOM beside a stale
// SHA256SUMS, no temporary file.
func TestFailureReplacesNothing(t *testing.T) {
	dir := t.TempDir()
	copyBin(t, "x86_64-linux.elf", filepath.Join(dir, "app"))
	copyBin(t, "aarch64-linux.elf", filepath.Join(dir, "app2"))
	for _, stale := range []string{"app.cdx.json", "app.spdx.json", "app.intoto.jsonl", "SHA256SUMS"} {
		os.WriteFile(filepath.Join(dir, stale), []byte("from the last release\n"), 0o644)
	}
	before := snapshot(t, dir)
	key := newKey(t)
	_, err := Run(context.Background(), Options{
		Artifacts:  []string{dir},
		Created:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Tool:       format.Tool{Name: "test"},
		Sign:       attest.SignOptions{Keypair: &failingKey{Keypair: key, n: 2}, TrustedMaterial: trusting(t, key)},
		Provenance: Provenance{None: true},
	})
	if err == nil {
		t.Fatal("no error from a signer that failed")
	}
	after := snapshot(t, dir)
	if len(after) != len(before) {
		t.Errorf("files after the failure: %v", slices.Sorted(func(y func(string) bool) {
			for k := range after {
				y(k)
			}
		}))
	}
	for name, content := range before {
		if after[name] != content {
			t.Errorf("%s changed", name)
		}
	}
	// The same release with a working signer replaces them all.
	res, err := Run(context.Background(), Options{Artifacts: []string{dir}, Tool: format.Tool{Name: "test"},
		Sign: attest.SignOptions{Keypair: key}, Provenance: Provenance{None: true}})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Files) != 7 || res.Files[6] != "SHA256SUMS" {
		t.Errorf("files %v", res.Files)
	}
}

// TestProvenanceSubjectsMustBeArtifacts: a build record naming a file that is not released is refused, and one
// naming none of the artifacts too.
func TestProvenanceSubjectsMustBeArtifacts(t *testing.T) {
	dir := t.TempDir()
	copyBin(t, "x86_64-linux.elf", filepath.Join(dir, "app"))
	other := filepath.Join(t.TempDir(), "other")
	copyBin(t, "aarch64-linux.elf", other)
	key := newKey(t)
	digest := func(p string) map[string]string {
		d, _ := attest.DigestFile(p, "sha256")
		return d
	}
	for name, subjects := range map[string][]attest.Subject{
		"a foreign subject": {{Name: "app", Digest: digest(filepath.Join(dir, "app"))}, {Name: "other", Digest: digest(other)}},
		"no artifact":       {{Name: "other", Digest: digest(other)}},
	} {
		t.Run(name, func(t *testing.T) {
			stmt, _ := attest.NewStatement(subjects, attest.PredicateSLSAProvenance1, []byte(`{"buildDefinition":{}}`))
			b, _ := stmt.Bytes()
			record := filepath.Join(t.TempDir(), "provenance.intoto.json")
			os.WriteFile(record, b, 0o644)
			_, err := Run(context.Background(), Options{Artifacts: []string{dir}, Tool: format.Tool{Name: "test"},
				Sign: attest.SignOptions{Keypair: key}, Provenance: Provenance{Record: record}})
			if !errors.Is(err, ErrProvenance) {
				t.Errorf("err = %v, want ErrProvenance", err)
			}
		})
	}
}
