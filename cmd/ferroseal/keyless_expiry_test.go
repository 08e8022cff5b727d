package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ferroseal/ferroseal/attest"
)

// testCA issues Fulcio-shaped certificates with validity windows the test chooses, which the real Fulcio (10-minute
// certificates, issued now) cannot give.
type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

func newTestCA(t *testing.T) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "ferroseal test CA"},
		NotBefore:             time.Now().Add(-48 * time.Hour),
		NotAfter:              time.Now().Add(48 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key}
}

// provider returns a certificate provider issuing, for email and issuer, a certificate valid from notBefore to
// notAfter.
func (ca *testCA) provider(email, issuer string, notBefore, notAfter time.Time) sign.CertificateProvider {
	return certFunc(func(_ context.Context, kp sign.Keypair, _ *sign.CertificateProviderOptions) ([]byte, error) {
		iss, err := asn1.MarshalWithParams(issuer, "utf8")
		if err != nil {
			return nil, err
		}
		tmpl := &x509.Certificate{
			SerialNumber:   big.NewInt(time.Now().UnixNano()),
			NotBefore:      notBefore,
			NotAfter:       notAfter,
			KeyUsage:       x509.KeyUsageDigitalSignature,
			ExtKeyUsage:    []x509.ExtKeyUsage{x509.ExtKeyUsageCodeSigning},
			EmailAddresses: []string{email},
			ExtraExtensions: []pkix.Extension{
				{Id: certificate.OIDIssuer, Value: []byte(issuer)},
				{Id: certificate.OIDIssuerV2, Value: iss},
			},
		}
		return x509.CreateCertificate(rand.Reader, tmpl, ca.cert, kp.GetPublicKey(), ca.key)
	})
}

type certFunc func(context.Context, sign.Keypair, *sign.CertificateProviderOptions) ([]byte, error)

func (f certFunc) GetCertificate(ctx context.Context, kp sign.Keypair, opts *sign.CertificateProviderOptions) ([]byte, error) {
	return f(ctx, kp, opts)
}

// TestKeylessCertificateExpiry: a certificate is checked at the time a trusted timestamp proves, never at the time
// of verification. A certificate that expired before the signature was timestamped is refused, with or without
// the timestamp; the same signature under a certificate valid at the timestamp is accepted.
func TestKeylessCertificateExpiry(t *testing.T) {
	s := requireStack(t)
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	ca := newTestCA(t)

	// A trusted root holding the test CA and the stack's real timestamp authority.
	stackRoot, err := root.NewTrustedRootFromPath(s.TrustedRoot)
	if err != nil {
		t.Fatal(err)
	}
	fca := &root.FulcioCertificateAuthority{Root: ca.cert, ValidityPeriodStart: ca.cert.NotBefore}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, []root.CertificateAuthority{fca}, nil,
		stackRoot.TimestampingAuthorities(), stackRoot.RekorLogs())
	if err != nil {
		t.Fatal(err)
	}
	trJSON, err := tr.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	trPath := writeFile(t, dir, "trusted_root.json", string(trJSON))

	d, err := attest.DigestFile(art, "sha256")
	if err != nil {
		t.Fatal(err)
	}
	stmt, err := attest.NewStatement([]attest.Subject{{Name: "app", Digest: d}}, attest.PredicateCycloneDX, []byte(`{"bomFormat":"CycloneDX"}`))
	if err != nil {
		t.Fatal(err)
	}
	payload, err := stmt.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	const email = "release@example.com"
	bundle := func(name string, notBefore, notAfter time.Time, timestamp bool) string {
		t.Helper()
		kp, err := sign.NewEphemeralKeypair(nil)
		if err != nil {
			t.Fatal(err)
		}
		opts := sign.BundleOptions{CertificateProvider: ca.provider(email, s.EmailIssuer, notBefore, notAfter), Context: context.Background()}
		if timestamp {
			opts.TimestampAuthorities = []*sign.TimestampAuthority{sign.NewTimestampAuthority(&sign.TimestampAuthorityOptions{URL: s.TSAURL})}
		}
		b, err := sign.Bundle(&sign.DSSEData{Data: payload, PayloadType: attest.PayloadType}, kp, opts)
		if err != nil {
			t.Fatal(err)
		}
		raw, err := protojson.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		return writeFile(t, dir, name, string(raw))
	}
	verify := func(b string, extra ...string) cliResult {
		return runCLI(t, nil, "", append([]string{"verify", art, "--bundle", b, "--trusted-root", trPath,
			"--certificate-identity", email, "--certificate-oidc-issuer", s.EmailIssuer, "--require-tlog", "0"}, extra...)...)
	}

	now := time.Now()
	valid := bundle("valid.json", now.Add(-time.Minute), now.Add(10*time.Minute), true)
	if res := verify(valid, "--use-signed-timestamps"); res.code != 0 {
		t.Fatalf("a certificate valid at the timestamp is refused: exit %d: %s", res.code, res.stderr)
	}
	expiredTimed := bundle("expired-timed.json", now.Add(-2*time.Hour), now.Add(-time.Hour), true)
	if res := verify(expiredTimed, "--use-signed-timestamps"); res.code != exitVerifyFailed || !strings.Contains(res.stderr, "certificate") {
		t.Errorf("a certificate expired an hour before its timestamp: exit %d, want %d and a word on the certificate: %s", res.code, exitVerifyFailed, res.stderr)
	}
	expiredUntimed := bundle("expired-untimed.json", now.Add(-2*time.Hour), now.Add(-time.Hour), false)
	for _, flags := range [][]string{{}, {"--use-signed-timestamps"}} {
		if res := verify(expiredUntimed, flags...); res.code != exitVerifyFailed {
			t.Errorf("an expired certificate without a timestamp, flags %v: exit %d, want %d: %s", flags, res.code, exitVerifyFailed, res.stderr)
		}
	}
	notYet := bundle("not-yet.json", now.Add(time.Hour), now.Add(2*time.Hour), true)
	if res := verify(notYet, "--use-signed-timestamps"); res.code != exitVerifyFailed {
		t.Errorf("a certificate valid only from an hour after its timestamp: exit %d, want %d: %s", res.code, exitVerifyFailed, res.stderr)
	}
}
