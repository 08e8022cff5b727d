package attest

import (
	"bytes"
	"context"
	"crypto"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	"github.com/sigstore/sigstore/pkg/signature"
)

// sigVerifier verifies DSSE signatures for go-securesystemslib with a sigstore verifier of the public key.
type sigVerifier struct {
	v   signature.Verifier
	pub crypto.PublicKey
}

func (s sigVerifier) Verify(_ context.Context, data, sig []byte) error {
	return s.v.VerifySignature(bytes.NewReader(sig), bytes.NewReader(data))
}
func (s sigVerifier) KeyID() (string, error)   { return KeyID(s.pub) }
func (s sigVerifier) Public() crypto.PublicKey { return s.pub }

// The bare envelope taken out of a bundle verifies on its own with go-securesystemslib (what GUAC and in-toto
// use), for every key type; its keyid is the key's SSH SHA-256 fingerprint, as ssh-keygen prints it; the payload
// is the statement signed, unchanged.
func TestExportDSSE(t *testing.T) {
	dir := t.TempDir()
	for _, alg := range KeyAlgorithms {
		t.Run(string(alg), func(t *testing.T) {
			priv, pubPEM, err := GenerateKey(alg, []byte("pw"))
			if err != nil {
				t.Fatal(err)
			}
			kp, err := LoadPrivateKey(context.Background(), keyFile(t, dir, string(alg)+".key", priv), func(bool) ([]byte, error) { return []byte("pw"), nil })
			if err != nil {
				t.Fatal(err)
			}
			stmt, err := NewStatement([]Subject{subjectOf(t, fixture)}, PredicateSLSAProvenance1, []byte(`{"buildDefinition":{}}`))
			if err != nil {
				t.Fatal(err)
			}
			opts := SignOptions{Keypair: kp}
			b, err := Sign(context.Background(), stmt, opts)
			if err != nil {
				t.Fatal(err)
			}
			id, err := SignerKeyID(opts)
			if err != nil || !strings.HasPrefix(id, "SHA256:") {
				t.Fatalf("key id %q, %v", id, err)
			}
			out, err := ExportDSSE(b, id)
			if err != nil {
				t.Fatal(err)
			}
			var env dsse.Envelope
			if err := json.Unmarshal(out, &env); err != nil {
				t.Fatal(err)
			}
			if len(env.Signatures) != 1 || env.Signatures[0].KeyID != id || env.PayloadType != PayloadType {
				t.Fatalf("envelope %s", out)
			}
			payload, _ := base64.StdEncoding.DecodeString(env.Payload)
			want, _ := stmt.Bytes()
			if !bytes.Equal(payload, want) {
				t.Error("the payload is not the statement signed")
			}
			v, err := signature.LoadDefaultVerifier(kp.GetPublicKey())
			if err != nil {
				t.Fatal(err)
			}
			ev, err := dsse.NewEnvelopeVerifier(sigVerifier{v: v, pub: kp.GetPublicKey()})
			if err != nil {
				t.Fatal(err)
			}
			accepted, err := ev.Verify(context.Background(), &env)
			if err != nil || len(accepted) != 1 || accepted[0].KeyID != id {
				t.Fatalf("go-securesystemslib: %v %+v", err, accepted)
			}
			env.Payload = base64.StdEncoding.EncodeToString(append(payload, ' '))
			if _, err := ev.Verify(context.Background(), &env); err == nil {
				t.Error("a changed payload verifies")
			}

			if _, err := exec.LookPath("ssh-keygen"); err != nil || alg == Ed25519 {
				return // ssh-keygen converts PKCS#8 EC and RSA public keys, not Ed25519 ones
			}
			pubPath := keyFile(t, dir, string(alg)+".pub", pubPEM)
			ssh, err := exec.Command("ssh-keygen", "-i", "-m", "PKCS8", "-f", pubPath).Output()
			if err != nil {
				t.Fatalf("ssh-keygen -i: %v", err)
			}
			sshPath := filepath.Join(dir, string(alg)+".ssh.pub")
			os.WriteFile(sshPath, ssh, 0o644)
			fp, err := exec.Command("ssh-keygen", "-l", "-E", "sha256", "-f", sshPath).Output()
			if err != nil {
				t.Fatalf("ssh-keygen -l: %v", err)
			}
			if f := strings.Fields(string(fp)); len(f) < 2 || f[1] != id {
				t.Errorf("ssh-keygen says %s, key id %s", fp, id)
			}
		})
	}
}

// A keyless signer has no long-lived key to name; an envelope keeps the keyid the bundle had (none).
func TestExportDSSEWithoutKeyID(t *testing.T) {
	if id, err := SignerKeyID(SignOptions{}); id != "" || err != nil {
		t.Errorf("no key: %q, %v", id, err)
	}
	priv, _, _ := GenerateKey(ECDSAP256, []byte("pw"))
	kp, err := LoadPrivateKey(context.Background(), keyFile(t, t.TempDir(), "k", priv), func(bool) ([]byte, error) { return []byte("pw"), nil })
	if err != nil {
		t.Fatal(err)
	}
	stmt, _ := NewStatement([]Subject{subjectOf(t, fixture)}, PredicateCycloneDX, []byte(`{}`))
	b, err := Sign(context.Background(), stmt, SignOptions{Keypair: kp})
	if err != nil {
		t.Fatal(err)
	}
	out, err := ExportDSSE(b, "")
	if err != nil || !strings.Contains(string(out), `"keyid":""`) {
		t.Errorf("%s %v", out, err)
	}
	for _, bad := range []string{`{}`, `not json`, `{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","messageSignature":{"signature":"AA=="}}`} {
		if _, err := ExportDSSE([]byte(bad), ""); err == nil {
			t.Errorf("%s: exported", bad)
		}
	}
}
