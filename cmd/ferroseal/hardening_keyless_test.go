package main

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
)

// keylessBundle signs a CycloneDX attestation of a fixture keyless, for identity, through the local Sigstore
// (Fulcio without a CT log, Rekor v2, a timestamp authority).
func keylessBundle(t *testing.T, identity string) (art, bundle string) {
	t.Helper()
	s := requireStack(t)
	dir := t.TempDir()
	art = copyFixture(t, "x86_64-linux.elf", dir, "app")
	tok, err := s.EmailToken(identity)
	if err != nil {
		t.Fatal(err)
	}
	bundle = filepath.Join(dir, "app.sigstore.json")
	res := runCLI(t, withEnv(nil), "", "attest", art, "--type", "cyclonedx", "--identity-token-file", writeFile(t, dir, "tok", tok),
		"--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot, "--bundle", bundle)
	if res.code != 0 {
		t.Fatalf("keyless attest: %s", res.stderr)
	}
	return art, bundle
}

// TestRegexpCannotEscapeItsAnchors: an identity expression that closes the group ferroseal wraps it in, and opens a
// second branch, is refused as a usage error; it used to compile once wrapped and accept every signer.
func TestRegexpCannotEscapeItsAnchors(t *testing.T) {
	s := requireStack(t)
	art, bundle := keylessBundle(t, "attacker@evil.example")
	for _, flag := range []string{"--certificate-identity-regexp", "--certificate-oidc-issuer-regexp"} {
		args := []string{"verify", art, "--bundle", bundle, "--trusted-root", s.TrustedRoot, "--use-signed-timestamps"}
		if flag == "--certificate-identity-regexp" {
			args = append(args, flag, `release@example\.com)|(.*`, "--certificate-oidc-issuer", s.EmailIssuer)
		} else {
			args = append(args, "--certificate-identity", "attacker@evil.example", flag, `https://issuer\.example)|(.*`)
		}
		res := runCLI(t, nil, "", args...)
		assertCleanFailure(t, res, exitUsage, "", "regexp")
	}
}

// TestSCTRequiredByDefault: when the trusted root lists certificate transparency logs, a keyless bundle whose
// certificate carries no SCT fails by default (as cosign requires one), with a hint naming the flag that relaxes
// it; --require-scts 0 accepts it.
func TestSCTRequiredByDefault(t *testing.T) {
	s := requireStack(t)
	art, bundle := keylessBundle(t, "release@example.com")
	tr, err := root.NewTrustedRootFromPath(s.TrustedRoot)
	if err != nil {
		t.Fatal(err)
	}
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKIXPublicKey(&key.PublicKey)
	id := sha256.Sum256(der)
	ct := map[string]*root.TransparencyLog{fmt.Sprintf("%x", id): {BaseURL: "https://ct.example", ID: id[:],
		ValidityPeriodStart: time.Now().Add(-time.Hour), HashFunc: crypto.SHA256, PublicKey: &key.PublicKey, SignatureHashFunc: crypto.SHA256}}
	var cas []root.CertificateAuthority
	cas = append(cas, tr.FulcioCertificateAuthorities()...)
	withCT, err := root.NewTrustedRoot(root.TrustedRootMediaType01, cas, ct, tr.TimestampingAuthorities(), tr.RekorLogs())
	if err != nil {
		t.Fatal(err)
	}
	js, _ := withCT.MarshalJSON()
	withCTPath := writeFile(t, t.TempDir(), "trusted_root_ct.json", string(js))
	args := []string{"verify", art, "--bundle", bundle, "--trusted-root", withCTPath, "--use-signed-timestamps",
		"--certificate-identity", "release@example.com", "--certificate-oidc-issuer", s.EmailIssuer}
	res := runCLI(t, nil, "", args...)
	if res.code != exitVerifyFailed || !strings.Contains(res.stderr, "--require-scts 0") {
		t.Errorf("a certificate without SCT against a root with CT logs: exit %d, stderr %q; want %d and a hint", res.code, res.stderr, exitVerifyFailed)
	}
	if res := runCLI(t, nil, "", append(args, "--require-scts", "0")...); res.code != 0 {
		t.Errorf("--require-scts 0: exit %d: %s", res.code, res.stderr)
	}
	// Without CT logs in the trusted root (the local Sigstore's own), no SCT is required.
	if res := runCLI(t, nil, "", "verify", art, "--bundle", bundle, "--trusted-root", s.TrustedRoot, "--use-signed-timestamps",
		"--certificate-identity", "release@example.com", "--certificate-oidc-issuer", s.EmailIssuer); res.code != 0 {
		t.Errorf("trusted root without CT logs: exit %d: %s", res.code, res.stderr)
	}
}

// TestSignedTimestampHint: a bundle that proves its time with an RFC 3161 timestamp, verified under the default
// policy (integrated times), fails with a hint naming --use-signed-timestamps.
func TestSignedTimestampHint(t *testing.T) {
	s := requireStack(t)
	art, bundle := keylessBundle(t, "release@example.com")
	res := runCLI(t, nil, "", "verify", art, "--bundle", bundle, "--trusted-root", s.TrustedRoot,
		"--certificate-identity", "release@example.com", "--certificate-oidc-issuer", s.EmailIssuer)
	if res.code != exitVerifyFailed || !strings.Contains(res.stderr, "--use-signed-timestamps") {
		t.Errorf("exit %d, stderr %q: want %d and a hint naming --use-signed-timestamps", res.code, res.stderr, exitVerifyFailed)
	}
}
