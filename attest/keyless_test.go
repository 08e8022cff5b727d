package attest

import (
	"context"
	"crypto/sha256"
	"errors"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/testing/ca"
	"github.com/sigstore/sigstore-go/pkg/tlog"
	"github.com/sigstore/sigstore-go/pkg/verify"
)

// untimed hides a test entity's log entries and timestamps: a certificate with no proof of when it signed.
type untimed struct{ *ca.TestEntity }

func (u untimed) Timestamps() ([][]byte, error)       { return nil, nil }
func (u untimed) TlogEntries() ([]*tlog.Entry, error) { return nil, nil }
func (u untimed) HasInclusionPromise() bool           { return false }
func (u untimed) HasInclusionProof() bool             { return false }

// TestKeylessPolicyInProcess checks the keyless policy against sigstore-go's virtual Sigstore, without processes:
// anchored identities, required log entries and timestamps, and no fallback to the current time.
func TestKeylessPolicyInProcess(t *testing.T) {
	t.Parallel()
	vs, err := ca.NewVirtualSigstore()
	if err != nil {
		t.Fatal(err)
	}
	artifact := []byte("the artifact")
	sum := sha256.Sum256(artifact)
	stmt, err := NewStatement([]Subject{{Name: "a", Digest: map[string]string{"sha256": hexOf(sum[:])}}}, PredicateCycloneDX, []byte(`{}`))
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := stmt.Bytes()
	const issuer = "https://issuer.example"
	entity, err := vs.Attest("foo@example.com.evil", issuer, payload)
	if err != nil {
		t.Fatal(err)
	}
	check := func(id IdentityPolicy, p Policy, e verify.SignedEntity) error {
		cid, err := NewIdentity(id)
		if err != nil {
			return err
		}
		p.Identities, p.TrustedMaterial = []verify.CertificateIdentity{cid}, vs
		v, err := p.verifier()
		if err != nil {
			return err
		}
		_, err = v.Verify(e, verify.NewPolicy(verify.WithArtifactDigest("sha256", sum[:]), verify.WithCertificateIdentity(cid)))
		return err
	}
	timed := Policy{TransparencyLogEntries: 1, SignedTimestamps: 1}
	if err := check(IdentityPolicy{Identity: "foo@example.com.evil", Issuer: issuer}, timed, entity); err != nil {
		t.Fatalf("exact identity refused: %v", err)
	}
	if err := check(IdentityPolicy{IdentityRegexp: `foo@example\.com`, Issuer: issuer}, timed, entity); err == nil {
		t.Error("the regexp foo@example\\.com accepted foo@example.com.evil")
	}
	// sigstore-go's own matcher searches unanchored: the reason ferroseal anchors.
	if m, _ := verify.NewSANMatcher("", `foo@example\.com`); !regexp.MustCompile(m.Regexp.String()).MatchString("foo@example.com.evil") {
		t.Log("sigstore-go now anchors regexps itself")
	}
	if err := check(IdentityPolicy{Identity: "foo@example.com.evil", IssuerRegexp: `https://issuer\.exampl`}, timed, entity); err == nil {
		t.Error("an issuer regexp matching a prefix was accepted")
	}
	if err := check(IdentityPolicy{Identity: "foo@example.com.evil", Issuer: issuer}, timed, untimed{entity}); err == nil {
		t.Error("a certificate with no log entry and no timestamp was accepted")
	}
	if err := check(IdentityPolicy{Identity: "foo@example.com.evil", Issuer: issuer}, Policy{TransparencyLogEntries: 2, SignedTimestamps: 1}, entity); err == nil {
		t.Error("two log entries required, one given, accepted")
	}
	if _, err := NewIdentity(IdentityPolicy{Identity: "a", IdentityRegexp: "b", Issuer: issuer}); !errors.Is(err, ErrPolicy) {
		t.Error("identity and identity regexp together accepted")
	}
	if _, err := NewIdentity(IdentityPolicy{IdentityRegexp: "(", Issuer: issuer}); !errors.Is(err, ErrPolicy) {
		t.Error("a broken regexp accepted")
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 2*len(b))
	for i, c := range b {
		out[2*i], out[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(out)
}

func TestAmbientToken(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer rt" || r.URL.Query().Get("audience") != "sigstore" || r.URL.Query().Get("api-version") != "2.0" {
			http.Error(w, "no", http.StatusForbidden)
			return
		}
		w.Write([]byte(`{"value":"the.jwt.token"}`))
	}))
	defer srv.Close()
	env := func(m map[string]string) func(string) (string, bool) {
		return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
	}
	tok, src, err := AmbientToken(context.Background(), env(map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": srv.URL + "?api-version=2.0", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "rt"}), nil)
	if err != nil || tok != "the.jwt.token" || src != TokenFromGitHubActions {
		t.Errorf("GitHub: %q %q %v", tok, src, err)
	}
	_, _, err = AmbientToken(context.Background(), env(map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": srv.URL, "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "wrong"}), nil)
	if err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("refused request: %v", err)
	}
	tok, src, _ = AmbientToken(context.Background(), env(map[string]string{"SIGSTORE_ID_TOKEN": " gl.jwt \n"}), nil)
	if tok != "gl.jwt" || src != TokenFromGitLab {
		t.Errorf("GitLab: %q %q", tok, src)
	}
	if tok, _, _ := AmbientToken(context.Background(), env(nil), nil); tok != "" {
		t.Errorf("no CI: %q", tok)
	}
}

func TestKeylessSignOptionsRefuse(t *testing.T) {
	t.Parallel()
	vs, _ := ca.NewVirtualSigstore()
	for name, o := range map[string]KeylessOptions{
		"no token":        {FulcioURL: "http://f", TSAURLs: []string{"http://t"}, TrustedMaterial: vs},
		"no trust":        {IDToken: "t", FulcioURL: "http://f", TSAURLs: []string{"http://t"}},
		"rekor v2 no tsa": {IDToken: "t", FulcioURL: "http://f", RekorURLs: []string{"http://r"}, RekorVersion: 2, TrustedMaterial: vs},
		"no time at all":  {IDToken: "t", FulcioURL: "http://f", TrustedMaterial: vs},
		"rekor v3":        {IDToken: "t", FulcioURL: "http://f", RekorURLs: []string{"http://r"}, RekorVersion: 3, TSAURLs: []string{"http://t"}, TrustedMaterial: vs},
	} {
		if _, err := KeylessSignOptions(o); !errors.Is(err, ErrKeyless) {
			t.Errorf("%s: err = %v, want ErrKeyless", name, err)
		}
	}
	if _, err := KeylessSignOptions(KeylessOptions{IDToken: "t", FulcioURL: "http://f", RekorURLs: []string{"http://r"}, RekorVersion: 1, TrustedMaterial: vs}); err != nil {
		t.Errorf("Rekor v1's integrated time is a timestamp source: %v", err)
	}
}
