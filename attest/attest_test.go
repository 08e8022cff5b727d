package attest

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	intoto "github.com/in-toto/attestation/go/v1"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

const fixture = "../sbom/auditable/testdata/bin/x86_64-linux.elf"

func subjectOf(t *testing.T, path string) Subject {
	t.Helper()
	d, err := DigestFile(path, "sha256")
	if err != nil {
		t.Fatal(err)
	}
	return Subject{Name: filepath.Base(path), Digest: d}
}

func TestStatement(t *testing.T) {
	t.Parallel()
	pred := []byte(`{
	  "bomFormat": "CycloneDX", "specVersion": "1.6", "version": 1,
	  "big": 12345678901234567890, "html": "<a&b>"
	}`)
	s, err := NewStatement([]Subject{{Name: "b", Digest: map[string]string{"sha256": strings.Repeat("b", 64)}},
		{Name: "a", Digest: map[string]string{"sha256": strings.Repeat("a", 64), "sha512": strings.Repeat("c", 128)}}}, PredicateCycloneDX, pred)
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	want := `{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"` + strings.Repeat("a", 64) +
		`","sha512":"` + strings.Repeat("c", 128) + `"}},{"name":"b","digest":{"sha256":"` + strings.Repeat("b", 64) +
		`"}}],"predicateType":"https://cyclonedx.org/bom","predicate":{"bomFormat":"CycloneDX","specVersion":"1.6","version":1,"big":12345678901234567890,"html":"<a&b>"}}`
	if string(got) != want {
		t.Errorf("statement:\n got %s\nwant %s", got, want)
	}
	// The in-toto attestation library reads it and finds it valid.
	var pb intoto.Statement
	if err := protojson.Unmarshal(got, &pb); err != nil {
		t.Fatal(err)
	}
	if err := pb.Validate(); err != nil {
		t.Fatal(err)
	}
	if !s.Covers("sha256", strings.Repeat("a", 64)) || s.Covers("sha256", strings.Repeat("d", 64)) {
		t.Error("Covers")
	}

	for name, bad := range map[string]struct {
		subjects []Subject
		pred     string
	}{
		"no subjects":       {nil, `{}`},
		"no digest":         {[]Subject{{Name: "a", Digest: map[string]string{}}}, `{}`},
		"short sha256":      {[]Subject{{Name: "a", Digest: map[string]string{"sha256": "abc"}}}, `{}`},
		"upper-case digest": {[]Subject{{Name: "a", Digest: map[string]string{"sha256": strings.Repeat("A", 64)}}}, `{}`},
		"predicate array":   {[]Subject{{Name: "a", Digest: map[string]string{"sha256": strings.Repeat("a", 64)}}}, `[1]`},
		"predicate garbage": {[]Subject{{Name: "a", Digest: map[string]string{"sha256": strings.Repeat("a", 64)}}}, `{`},
	} {
		if _, err := NewStatement(bad.subjects, PredicateCycloneDX, []byte(bad.pred)); !errors.Is(err, ErrInvalidStatement) {
			t.Errorf("%s: err = %v, want ErrInvalidStatement", name, err)
		}
	}
}

func TestPredicateTypes(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{"cyclonedx": PredicateCycloneDX, "spdx": PredicateSPDX, "spdx3": PredicateSPDX3, "slsaprovenance1": PredicateSLSAProvenance1,
		"https://example.com/x/v1": "https://example.com/x/v1"} {
		if got, err := PredicateType(in); err != nil || got != want {
			t.Errorf("PredicateType(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := PredicateType("sbom"); err == nil {
		t.Error("unknown short name accepted")
	}
	if !SameType(PredicateSPDX, PredicateSPDX23) || SameType(PredicateSPDX, PredicateCycloneDX) {
		t.Error("SameType")
	}
	// SPDX 3 is another data model: an SPDX 2 expectation is not met by it, nor the reverse.
	if !SameType(PredicateSPDX3, PredicateSPDX3+".0.1") || SameType(PredicateSPDX, PredicateSPDX3) || SameType(PredicateSPDX3, PredicateSPDX23) {
		t.Error("SameType for SPDX 3")
	}
	for typ, want := range map[string]string{PredicateSPDX3: "spdx3-json", PredicateSPDX: "spdx-json", PredicateCycloneDX: "cyclonedx-json"} {
		if f, err := SBOMFormatFor(typ, ""); err != nil || f.Name != want {
			t.Errorf("SBOMFormatFor(%s) = %v, %v; want %s", typ, f, err, want)
		}
	}
	if _, err := SBOMFormatFor(PredicateSPDX3, "spdx-json"); err == nil {
		t.Error("SPDX 2 JSON accepted as an SPDX 3 predicate")
	}
}

// keyFile writes a PEM file and returns its path.
func keyFile(t *testing.T, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// signAndVerify signs an SBOM statement about the fixture with the key and verifies it with the public key.
func signAndVerify(t *testing.T, kp *Keypair) {
	t.Helper()
	stmt, err := NewStatement([]Subject{subjectOf(t, fixture)}, PredicateCycloneDX, []byte(`{"bomFormat":"CycloneDX"}`))
	if err != nil {
		t.Fatal(err)
	}
	b, err := Sign(context.Background(), stmt, SignOptions{Keypair: kp})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(context.Background(), fixture, []Evidence{{Source: "b", Data: b}}, Policy{Key: kp.GetPublicKey(), PredicateTypes: []string{PredicateCycloneDX}})
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if !res.Verified || res.Attestations[0].Signer.KeyID == "" {
		t.Errorf("result %+v", res)
	}
}

func TestKeys(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	pw := func(bool) ([]byte, error) { return []byte("correct horse"), nil }
	for _, alg := range KeyAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			t.Parallel()
			priv, pub, err := GenerateKey(alg, []byte("correct horse"))
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(priv), "ENCRYPTED SIGSTORE PRIVATE KEY") || !strings.Contains(string(pub), "PUBLIC KEY") {
				t.Fatalf("unexpected PEM types:\n%s\n%s", priv, pub)
			}
			path := keyFile(t, dir, string(alg)+".key", priv)
			kp, err := LoadPrivateKey(context.Background(), path, pw)
			if err != nil {
				t.Fatal(err)
			}
			signAndVerify(t, kp)
			if _, err := LoadPrivateKey(context.Background(), path, nil); !errors.Is(err, ErrNoPassword) {
				t.Errorf("no password: err = %v, want ErrNoPassword", err)
			}
			if _, err := LoadPrivateKey(context.Background(), path, func(bool) ([]byte, error) { return []byte("wrong"), nil }); err == nil {
				t.Error("wrong password accepted")
			}
		})
	}

	// PEM encodings of other tools: PKCS#8, SEC 1, PKCS#1, and legacy encrypted PEM.
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	rk, err := rsa.GenerateKey(rand.Reader, 3072)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, _ := x509.MarshalPKCS8PrivateKey(ec)
	sec1, _ := x509.MarshalECPrivateKey(ec)
	//nolint:staticcheck // legacy encrypted PEM is what old tools wrote; reading it is the point
	legacy, err := x509.EncryptPEMBlock(rand.Reader, "EC PRIVATE KEY", sec1, []byte("correct horse"), x509.PEMCipherAES256)
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{
		"pkcs8":  pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8}),
		"sec1":   pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: sec1}),
		"pkcs1":  pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(rk)}),
		"legacy": pem.EncodeToMemory(legacy),
	} {
		t.Run(name, func(t *testing.T) {
			kp, err := LoadPrivateKey(context.Background(), keyFile(t, dir, name+".pem", data), pw)
			if err != nil {
				t.Fatal(err)
			}
			signAndVerify(t, kp)
		})
	}
	if _, err := LoadPrivateKey(context.Background(), keyFile(t, dir, "junk.pem", []byte("not a key")), pw); !errors.Is(err, ErrBadKey) {
		t.Errorf("junk: err = %v, want ErrBadKey", err)
	}
}

// TestOpenSSLAndCosignKeys loads keys made by other programs: an encrypted PKCS#8 key from OpenSSL, and a
// cosign.key from cosign generate-key-pair.
func TestOpenSSLAndCosignKeys(t *testing.T) {
	dir := t.TempDir()
	if openssl, err := exec.LookPath("openssl"); err == nil {
		plain := filepath.Join(dir, "plain.pem")
		enc := filepath.Join(dir, "enc.pem")
		if out, err := exec.Command(openssl, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", plain).CombinedOutput(); err != nil {
			t.Fatalf("openssl: %v %s", err, out)
		}
		if out, err := exec.Command(openssl, "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", plain, "-out", enc, "-passout", "pass:pw").CombinedOutput(); err != nil {
			t.Fatalf("openssl: %v %s", err, out)
		}
		kp, err := LoadPrivateKey(context.Background(), enc, func(bool) ([]byte, error) { return []byte("pw"), nil })
		if err != nil {
			t.Fatal(err)
		}
		signAndVerify(t, kp)
	}
	cosign := testenv.Tool(t, "cosign")
	cmd := exec.Command(cosign, "generate-key-pair", "--output-key-prefix", filepath.Join(dir, "cosign"))
	cmd.Env = append(os.Environ(), "COSIGN_PASSWORD=pw")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cosign generate-key-pair: %v %s", err, out)
	}
	kp, err := LoadPrivateKey(context.Background(), filepath.Join(dir, "cosign.key"), func(bool) ([]byte, error) { return []byte("pw"), nil })
	if err != nil {
		t.Fatal(err)
	}
	signAndVerify(t, kp)
	pub, err := LoadPublicKey(filepath.Join(dir, "cosign.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if h1, _ := KeyHint(pub); h1 != string(kp.GetHint()) {
		t.Error("cosign.pub and cosign.key disagree")
	}
}

func TestVerifyResultJSON(t *testing.T) {
	t.Parallel()
	priv, _, err := GenerateKey(ECDSAP256, []byte{})
	if err != nil {
		t.Fatal(err)
	}
	kp, err := LoadPrivateKey(context.Background(), keyFile(t, t.TempDir(), "k", priv), func(bool) ([]byte, error) { return []byte{}, nil })
	if err != nil {
		t.Fatal(err)
	}
	stmt, _ := NewStatement([]Subject{subjectOf(t, fixture)}, PredicateSLSAProvenance1, []byte(`{"buildDefinition":{"buildType":"x"},"runDetails":{"builder":{"id":"y"}}}`))
	b, err := Sign(context.Background(), stmt, SignOptions{Keypair: kp})
	if err != nil {
		t.Fatal(err)
	}
	res, err := Verify(context.Background(), fixture, []Evidence{{Source: "b", Data: b}}, Policy{Key: kp.GetPublicKey(),
		Provenance: &ProvenancePolicy{BuilderID: "y"}})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(res)
	for _, want := range []string{`"verified":true`, `"predicateType":"https://slsa.dev/provenance/v1"`, `"builderId":"y"`, `"coversArtifact":true`} {
		if !strings.Contains(string(out), want) {
			t.Errorf("result JSON lacks %s: %s", want, out)
		}
	}
	_, err = Verify(context.Background(), fixture, []Evidence{{Source: "b", Data: b}}, Policy{Key: kp.GetPublicKey(),
		Provenance: &ProvenancePolicy{BuilderID: "z"}})
	if !errors.Is(err, ErrVerificationFailed) || !strings.Contains(err.Error(), `builder "y", want "z"`) {
		t.Errorf("provenance mismatch: err = %v", err)
	}
}

func TestPolicyContradictions(t *testing.T) {
	t.Parallel()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	for name, p := range map[string]Policy{
		"nothing":                 {},
		"keyless without root":    {Identities: []verify.CertificateIdentity{{}}},
		"timestamps without root": {Key: ec.Public(), SignedTimestamps: 1},
		"bad type":                {Key: ec.Public(), PredicateTypes: []string{"cyclonedx"}},
	} {
		if _, err := Verify(context.Background(), fixture, nil, p); !errors.Is(err, ErrPolicy) {
			t.Errorf("%s: err = %v, want ErrPolicy", name, err)
		}
	}
}
