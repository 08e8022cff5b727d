package main

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/testenv"
)

func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// noAmbient clears the CI token variables, so that tests do not pick up a token of the machine running them.
var noAmbient = map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": "", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "", "SIGSTORE_ID_TOKEN": ""}

func withEnv(extra map[string]string) map[string]string {
	m := map[string]string{}
	for k, v := range noAmbient {
		m[k] = v
	}
	for k, v := range extra {
		m[k] = v
	}
	return m
}

// TestKeylessRoundTrip signs keyless through the real Fulcio, Rekor v2 and timestamp authority, and verifies the
// bundle with ferroseal and with cosign, for an email identity.
func TestKeylessRoundTrip(t *testing.T) {
	s := requireStack(t)
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	tok, err := s.EmailToken("release@example.com")
	if err != nil {
		t.Fatal(err)
	}
	tokFile := writeFile(t, dir, "token", tok)

	// With a signing config, and with the services named one by one.
	viaConfig := filepath.Join(dir, "config.sigstore.json")
	res := runCLI(t, withEnv(nil), "", "attest", art, "--type", "cyclonedx", "--identity-token-file", tokFile,
		"--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot, "--bundle", viaConfig)
	if res.code != 0 {
		t.Fatalf("keyless attest (signing config): %s", res.stderr)
	}
	viaFlags := filepath.Join(dir, "flags.sigstore.json")
	res = runCLI(t, withEnv(nil), "", "attest", art, "--type", "spdx", "--identity-token", tok, "--fulcio-url", s.FulcioURL,
		"--rekor-url", s.RekorURL, "--rekor-version", "2", "--timestamp-url", s.TSAURL, "--trusted-root", s.TrustedRoot, "--bundle", viaFlags)
	if res.code != 0 {
		t.Fatalf("keyless attest (flags): %s", res.stderr)
	}

	for bundle, typ := range map[string]string{viaConfig: "cyclonedx", viaFlags: "spdx"} {
		res := runCLI(t, nil, "", "verify", art, "--bundle", bundle, "--trusted-root", s.TrustedRoot, "--type", typ, "--check-sbom",
			"--certificate-identity", "release@example.com", "--certificate-oidc-issuer", s.EmailIssuer, "--use-signed-timestamps", "--output", "json")
		if res.code != 0 {
			t.Fatalf("verify: %s %s", res.stderr, res.stdout)
		}
		var out attest.Result
		if err := json.Unmarshal([]byte(res.stdout), &out); err != nil {
			t.Fatal(err)
		}
		a := out.Attestations[0]
		if a.Signer.Certificate["subjectAlternativeName"] != "release@example.com" || a.Signer.Certificate["issuer"] != s.EmailIssuer {
			t.Errorf("signer %v", a.Signer)
		}
		kinds := map[string]bool{}
		for _, ts := range a.Timestamps {
			kinds[ts.Type] = true
		}
		if !kinds["TimestampAuthority"] {
			t.Errorf("no verified timestamp authority time: %v", a.Timestamps)
		}

		cosign := testenv.Tool(t, "cosign")
		out2, err := exec.Command(cosign, "verify-blob-attestation", "--trusted-root", s.TrustedRoot,
			"--certificate-identity", "release@example.com", "--certificate-oidc-issuer", s.EmailIssuer,
			"--use-signed-timestamps", "--insecure-ignore-sct", "--type", typ, "--bundle", bundle, art).CombinedOutput()
		if err != nil || !strings.Contains(string(out2), "Verified OK") {
			t.Errorf("cosign rejects the keyless bundle: %v\n%s", err, out2)
		}
	}

	// The same identity, rejected in every way it should be.
	rejects := []struct {
		name string
		args []string
	}{
		{"wrong identity", []string{"--certificate-identity", "other@example.com", "--certificate-oidc-issuer", s.EmailIssuer}},
		{"wrong issuer", []string{"--certificate-identity", "release@example.com", "--certificate-oidc-issuer", s.GitHubIssuer}},
		{"issuer regexp matching a prefix only", []string{"--certificate-identity", "release@example.com", "--certificate-oidc-issuer-regexp", "http://127\\.0\\.0\\.1:[0-9]+"}},
		{"no timestamp where one is required", []string{"--certificate-identity", "release@example.com", "--certificate-oidc-issuer", s.EmailIssuer, "--require-timestamps", "2"}},
		{"integrated time Rekor v2 does not give", []string{"--certificate-identity", "release@example.com", "--certificate-oidc-issuer", s.EmailIssuer}},
	}
	for _, r := range rejects {
		res := runCLI(t, nil, "", append([]string{"verify", art, "--bundle", viaConfig, "--trusted-root", s.TrustedRoot, "--type", "cyclonedx"}, r.args...)...)
		if res.code != exitVerifyFailed {
			t.Errorf("%s: exit %d, want %d: %s", r.name, res.code, exitVerifyFailed, res.stderr)
		}
	}
	// A trusted root without the Fulcio CA that issued the certificate.
	var tr map[string]any
	json.Unmarshal(mustRead(t, s.TrustedRoot), &tr)
	delete(tr, "certificateAuthorities")
	noCA, _ := json.Marshal(tr)
	res = runCLI(t, nil, "", "verify", art, "--bundle", viaConfig, "--trusted-root", writeFile(t, dir, "noca.json", string(noCA)),
		"--certificate-identity", "release@example.com", "--certificate-oidc-issuer", s.EmailIssuer, "--use-signed-timestamps")
	if res.code != exitVerifyFailed {
		t.Errorf("trusted root without the CA: exit %d: %s", res.code, res.stderr)
	}
}

// TestKeylessAnchoredIdentity: a regular expression must match the whole identity, so an address that only
// begins like the expected one is refused (sigstore-go and cosign search unanchored).
func TestKeylessAnchoredIdentity(t *testing.T) {
	s := requireStack(t)
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	tok, err := s.EmailToken("foo@example.com.evil")
	if err != nil {
		t.Fatal(err)
	}
	bundle := filepath.Join(dir, "b.json")
	res := runCLI(t, withEnv(nil), "", "attest", art, "--type", "cyclonedx", "--identity-token", tok,
		"--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot, "--bundle", bundle)
	if res.code != 0 {
		t.Fatal(res.stderr)
	}
	verifyWith := func(args ...string) int {
		return runCLI(t, nil, "", append([]string{"verify", art, "--bundle", bundle, "--trusted-root", s.TrustedRoot,
			"--use-signed-timestamps", "--certificate-oidc-issuer", s.EmailIssuer}, args...)...).code
	}
	if code := verifyWith("--certificate-identity-regexp", `foo@example\.com`); code != exitVerifyFailed {
		t.Errorf("foo@example.com.evil accepted by the regexp foo@example\\.com: exit %d", code)
	}
	if code := verifyWith("--certificate-identity-regexp", `foo@example\.com\.evil`); code != 0 {
		t.Errorf("the exact regexp is refused: exit %d", code)
	}
}

// TestKeylessGitHubIdentity signs with a GitHub-Actions-shaped token fetched the way the Actions runtime offers it,
// and verifies the workflow certificate extensions.
func TestKeylessGitHubIdentity(t *testing.T) {
	s := requireStack(t)
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	tok, err := s.GitHubToken("ferroseal/example", "refs/tags/v1.2.0", "release.yml")
	if err != nil {
		t.Fatal(err)
	}
	actions := actionsTokenServer(t, "runtime-token", tok)
	env := withEnv(map[string]string{"ACTIONS_ID_TOKEN_REQUEST_URL": actions.URL + "/token?api-version=2.0", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runtime-token"})
	bundle := filepath.Join(dir, "gh.json")
	res := runCLI(t, env, "", "attest", art, "--type", "cyclonedx", "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot, "--bundle", bundle)
	if res.code != 0 || !strings.Contains(res.stderr, "GitHub Actions") {
		t.Fatalf("ambient GitHub token: exit %d %s", res.code, res.stderr)
	}
	identity := "https://github.com/ferroseal/example/.github/workflows/release.yml@refs/tags/v1.2.0"
	base := []string{"verify", art, "--bundle", bundle, "--trusted-root", s.TrustedRoot, "--use-signed-timestamps",
		"--certificate-identity", identity, "--certificate-oidc-issuer", s.GitHubIssuer}
	ok := append(append([]string{}, base...), "--certificate-github-workflow-repository", "ferroseal/example",
		"--certificate-github-workflow-ref", "refs/tags/v1.2.0", "--certificate-github-workflow-trigger", "push")
	if res := runCLI(t, nil, "", ok...); res.code != 0 {
		t.Fatalf("GitHub identity: %s", res.stderr)
	}
	for _, bad := range [][]string{
		{"--certificate-github-workflow-repository", "ferroseal/other"},
		{"--certificate-github-workflow-ref", "refs/heads/main"},
		{"--certificate-github-workflow-name", "Nightly"},
	} {
		if res := runCLI(t, nil, "", append(append([]string{}, base...), bad...)...); res.code != exitVerifyFailed {
			t.Errorf("%v: exit %d, want %d", bad, res.code, exitVerifyFailed)
		}
	}
	// GitLab's way: the token in SIGSTORE_ID_TOKEN.
	email, _ := s.EmailToken("gitlab@example.com")
	res = runCLI(t, withEnv(map[string]string{"SIGSTORE_ID_TOKEN": email}), "", "attest", art, "--type", "spdx",
		"--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot, "--bundle", filepath.Join(dir, "gl.json"))
	if res.code != 0 || !strings.Contains(res.stderr, "GitLab") {
		t.Errorf("SIGSTORE_ID_TOKEN: exit %d %s", res.code, res.stderr)
	}
}

// TestKeylessRefusals: signing refuses what cannot give a verifiable bundle, and Fulcio refuses a token for
// another audience; a bundle with a certificate and no time proof is refused when verifying.
func TestKeylessRefusals(t *testing.T) {
	s := requireStack(t)
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	tok, _ := s.EmailToken("release@example.com")
	tokFile := filepath.Join(dir, "tok.jwt")
	os.WriteFile(tokFile, []byte(tok), 0o600)
	res := runCLI(t, withEnv(nil), "", "attest", art, "--type", "cyclonedx", "--identity-token-file", tokFile, "--fulcio-url", s.FulcioURL,
		"--rekor-url", s.RekorURL, "--rekor-version", "2", "--trusted-root", s.TrustedRoot)
	assertCleanFailure(t, res, exitUsage, "", "timestamp")
	res = runCLI(t, withEnv(nil), "", "attest", art, "--type", "cyclonedx", "--fulcio-url", s.FulcioURL, "--trusted-root", s.TrustedRoot)
	assertCleanFailure(t, res, exitUsage, "", "identity token")
	res = runCLI(t, withEnv(nil), "", "attest", art, "--type", "cyclonedx", "--identity-token", tok, "--key", "k.key")
	assertCleanFailure(t, res, exitUsage, "", "contradictory")
	other, _ := s.Token(s.EmailIssuer, map[string]any{"sub": "release@example.com", "email": "release@example.com", "email_verified": true, "aud": "another-audience"})
	otherFile := filepath.Join(dir, "other.jwt")
	os.WriteFile(otherFile, []byte(other), 0o600)
	res = runCLI(t, withEnv(nil), "", "attest", art, "--type", "cyclonedx", "--identity-token-file", otherFile,
		"--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot)
	assertCleanFailure(t, res, exitError, "", "signing failed")

	// A certificate and no time proof: sigstore-go signs it; ferroseal never verifies a certificate at the
	// current time, so it is refused whatever the flags.
	kp, err := sign.NewEphemeralKeypair(nil)
	if err != nil {
		t.Fatal(err)
	}
	d, _ := attest.DigestFile(art, "sha256")
	stmt, _ := attest.NewStatement([]attest.Subject{{Name: "app", Digest: d}}, attest.PredicateCycloneDX, []byte(`{"bomFormat":"CycloneDX"}`))
	payload, _ := stmt.Bytes()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	b, err := sign.Bundle(&sign.DSSEData{Data: payload, PayloadType: attest.PayloadType}, kp, sign.BundleOptions{
		CertificateProvider:        sign.NewFulcio(&sign.FulcioOptions{BaseURL: s.FulcioURL}),
		CertificateProviderOptions: &sign.CertificateProviderOptions{IDToken: tok},
		Context:                    ctx,
	})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := protojson.Marshal(b)
	untimed := writeFile(t, dir, "untimed.json", string(raw))
	for _, flags := range [][]string{{}, {"--use-signed-timestamps"}, {"--require-tlog", "0"}} {
		res := runCLI(t, nil, "", append([]string{"verify", art, "--bundle", untimed, "--trusted-root", s.TrustedRoot,
			"--certificate-identity", "release@example.com", "--certificate-oidc-issuer", s.EmailIssuer}, flags...)...)
		if res.code != exitVerifyFailed {
			t.Errorf("untimed bundle with %v: exit %d, want %d: %s", flags, res.code, exitVerifyFailed, res.stderr)
		}
	}
	res = runCLI(t, nil, "", "verify", art, "--bundle", untimed, "--trusted-root", s.TrustedRoot, "--certificate-identity", "release@example.com",
		"--certificate-oidc-issuer", s.EmailIssuer, "--require-tlog", "0", "--require-integrated-timestamps", "0")
	assertCleanFailure(t, res, exitUsage, "", "timestamps")
}

// TestKeyWithTimestamp signs with a key and an RFC 3161 timestamp from the real timestamp authority, and requires
// the timestamp when verifying.
func TestKeyWithTimestamp(t *testing.T) {
	s := requireStack(t)
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	key, pub := keygen(t, dir, "ecdsa-p256")
	bundle := filepath.Join(dir, "b.json")
	res := runCLI(t, pwEnv, "", "attest", art, "--key", key, "--type", "cyclonedx", "--timestamp-url", s.TSAURL, "--trusted-root", s.TrustedRoot, "--bundle", bundle)
	if res.code != 0 {
		t.Fatal(res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", art, "--bundle", bundle, "--key", pub, "--trusted-root", s.TrustedRoot, "--use-signed-timestamps"); res.code != 0 {
		t.Errorf("key and timestamp: %s", res.stderr)
	}
	plain := filepath.Join(dir, "plain.json")
	runCLI(t, pwEnv, "", "attest", art, "--key", key, "--type", "cyclonedx", "--bundle", plain)
	if res := runCLI(t, nil, "", "verify", art, "--bundle", plain, "--key", pub, "--trusted-root", s.TrustedRoot, "--use-signed-timestamps"); res.code != exitVerifyFailed {
		t.Errorf("a required timestamp that is missing: exit %d", res.code)
	}
}
