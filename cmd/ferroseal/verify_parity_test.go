package main

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/sigstack"
)

// githubProvenance is the predicate actions/attest-build-provenance makes from a job's identity token: GitHub's
// build type, the top-level workflow as external parameter, the runner kind as builder.
func githubProvenance(repo, workflowPath, ref, sha, runner string) string {
	return fmt.Sprintf(`{"buildDefinition":{"buildType":"https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1",`+
		`"externalParameters":{"workflow":{"ref":%q,"repository":"https://github.com/%s","path":%q}},`+
		`"internalParameters":{"github":{"event_name":"push","repository_id":"1001","repository_owner_id":"2002"}},`+
		`"resolvedDependencies":[{"uri":"git+https://github.com/%s@%s","digest":{"gitCommit":%q}}]},`+
		`"runDetails":{"builder":{"id":"https://github.com/actions/runner/%s"},"metadata":{"invocationId":"https://github.com/%s/actions/runs/42/attempts/1"}}}`,
		ref, repo, workflowPath, repo, ref, sha, runner, repo)
}

// signKeyless signs an attestation about art with a token of the test Sigstore, and returns the bundle.
func signKeyless(t *testing.T, s *sigstack.Stack, art, typ, predicate, token string) string {
	t.Helper()
	bundle := filepath.Join(t.TempDir(), "b.sigstore.json")
	args := []string{"attest", art, "--type", typ, "--identity-token", token, "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot,
		"--bundle", bundle}
	if predicate != "" {
		args = append(args, "--predicate", writeFile(t, t.TempDir(), "pred.json", predicate))
	}
	res := runCLI(t, withEnv(nil), "", args...)
	if res.code != 0 {
		t.Fatalf("attest: %s", res.stderr)
	}
	return bundle
}

// TestGitHubArtifactAttestations (issue: verifier parity): a bundle of the shape actions/attest-build-provenance
// makes (GitHub's build type, signed by a workflow's certificate) verifies with the flags gh attestation verify
// offers, and its builder and workflow are held to the certificate: a statement claiming another runner kind or
// another workflow fails.
func TestGitHubArtifactAttestations(t *testing.T) {
	s := requireStack(t)
	const repo, ref, sha = "ferroseal/example", "refs/tags/v1.2.0", "89abcdef0123456789abcdef0123456789abcdef"
	art := copyFixture(t, "x86_64-linux.elf", t.TempDir(), "app")
	token, err := s.GitHubJobToken(sigstack.GitHubJob{Repo: repo, Ref: ref, Workflow: "release.yml", Sha: sha})
	if err != nil {
		t.Fatal(err)
	}
	bundle := signKeyless(t, s, art, "slsaprovenance1", githubProvenance(repo, ".github/workflows/release.yml", ref, sha, "github-hosted"), token)
	base := []string{"verify", art, "--bundle", bundle, "--trusted-root", s.TrustedRoot, "--certificate-oidc-issuer", s.GitHubIssuer, "--use-signed-timestamps"}
	with := func(extra ...string) []string { return append(append([]string{}, base...), extra...) }
	if res := runCLI(t, nil, "", with("--signer-repo", repo, "--signer-workflow", "github.com/"+repo+"/.github/workflows/release.yml")...); res.code != exitUsage {
		t.Errorf("--signer-repo with --signer-workflow: exit %d, want a usage error", res.code)
	}
	ok := with("--signer-workflow", "github.com/"+repo+"/.github/workflows/release.yml", "--source-digest", sha,
		"--deny-self-hosted-runners", "--builder-id", "https://github.com/actions/runner/github-hosted", "--source-uri", "github.com/"+repo,
		"--source-ref", ref, "--source-versioned-tag", "v1", "--type", "slsaprovenance1")
	if res := runCLI(t, nil, "", ok...); res.code != 0 {
		t.Fatalf("GitHub's provenance with gh's flags: exit %d %s", res.code, res.stderr)
	}
	if res := runCLI(t, nil, "", with("--signer-repo", strings.ToUpper(repo), "--type", "slsaprovenance1")...); res.code != 0 {
		t.Errorf("--signer-repo compares the owner and repository regardless of case: exit %d %s", res.code, res.stderr)
	}
	for name, pred := range map[string]string{
		"another runner kind": githubProvenance(repo, ".github/workflows/release.yml", ref, sha, "self-hosted"),
		"another workflow":    githubProvenance(repo, ".github/workflows/other.yml", ref, sha, "github-hosted"),
		"another commit":      githubProvenance(repo, ".github/workflows/release.yml", ref, strings.Repeat("1", 40), "github-hosted"),
	} {
		b := signKeyless(t, s, art, "slsaprovenance1", pred, token)
		res := runCLI(t, nil, "", "verify", art, "--bundle", b, "--trusted-root", s.TrustedRoot, "--certificate-oidc-issuer", s.GitHubIssuer,
			"--use-signed-timestamps", "--signer-repo", repo, "--type", "slsaprovenance1")
		if res.code != exitVerifyFailed || !strings.Contains(res.stderr, "did not sign it") {
			t.Errorf("%s: exit %d %s", name, res.code, res.stderr)
		}
	}
}

// TestRunnerAndBuilderPolicies: --deny-self-hosted-runners refuses a certificate of a self-hosted runner and a
// key-signed bundle; --builder-id refuses provenance signed by an e-mail identity (its builder is its own claim).
func TestRunnerAndBuilderPolicies(t *testing.T) {
	s := requireStack(t)
	art := copyFixture(t, "x86_64-linux.elf", t.TempDir(), "app")
	selfHosted, err := s.GitHubJobToken(sigstack.GitHubJob{Repo: "o/r", Ref: "refs/tags/v1", Workflow: "release.yml", RunnerEnvironment: "self-hosted"})
	if err != nil {
		t.Fatal(err)
	}
	b := signKeyless(t, s, art, "cyclonedx", "", selfHosted)
	common := []string{"verify", art, "--bundle", b, "--trusted-root", s.TrustedRoot, "--certificate-oidc-issuer", s.GitHubIssuer, "--use-signed-timestamps", "--signer-repo", "o/r"}
	if res := runCLI(t, nil, "", common...); res.code != 0 {
		t.Fatalf("self-hosted, no runner policy: exit %d %s", res.code, res.stderr)
	}
	if res := runCLI(t, nil, "", append(common, "--deny-self-hosted-runners")...); res.code != exitVerifyFailed || !strings.Contains(res.stderr, "self-hosted") {
		t.Errorf("--deny-self-hosted-runners on a self-hosted runner: exit %d %s", res.code, res.stderr)
	}
	key, pub := keygen(t, t.TempDir(), "ecdsa-p256")
	kb := filepath.Join(t.TempDir(), "k.sigstore.json")
	if res := runCLI(t, pwEnv, "", "attest", art, "--key", key, "--type", "cyclonedx", "--bundle", kb); res.code != 0 {
		t.Fatal(res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", art, "--bundle", kb, "--key", pub, "--deny-self-hosted-runners"); res.code != exitVerifyFailed {
		t.Errorf("--deny-self-hosted-runners on a key-signed bundle: exit %d", res.code)
	}
	email, err := s.EmailToken("someone@example.com")
	if err != nil {
		t.Fatal(err)
	}
	pred := `{"buildDefinition":{"buildType":"https://example.com/b","externalParameters":{}},"runDetails":{"builder":{"id":"https://github.com/ferroseal/ferroseal/.github/workflows/rust-release.yml@refs/tags/v1"}}}`
	eb := signKeyless(t, s, art, "slsaprovenance1", pred, email)
	res := runCLI(t, nil, "", "verify", art, "--bundle", eb, "--trusted-root", s.TrustedRoot, "--certificate-identity", "someone@example.com",
		"--certificate-oidc-issuer", s.EmailIssuer, "--use-signed-timestamps", "--builder-id", "https://github.com/ferroseal/ferroseal/.github/workflows/rust-release.yml")
	if res.code != exitVerifyFailed || !strings.Contains(res.stderr, "its own claim") {
		t.Errorf("--builder-id on an e-mail signer's provenance: exit %d %s", res.code, res.stderr)
	}
	for _, bad := range [][]string{{"--signer-workflow", "o/r"}, {"--signer-repo", "o"}, {"--signer-repo", "o/r@v1"}, {"--source-versioned-tag", "1.2"},
		{"--source-versioned-tag", "v01"}, {"--source-digest", "xyz"}, {"--build-workflow-input", "novalue"}} {
		args := append([]string{"verify", art, "--bundle", b, "--trusted-root", s.TrustedRoot, "--certificate-oidc-issuer", s.GitHubIssuer, "--use-signed-timestamps"}, bad...)
		if bad[0] != "--signer-workflow" && bad[0] != "--signer-repo" {
			args = append(args, "--signer-repo", "o/r")
		}
		if res := runCLI(t, nil, "", args...); res.code != exitUsage {
			t.Errorf("%v: exit %d, want a usage error (%s)", bad, res.code, res.stderr)
		}
	}
}

// TestVerifySeveralAndByDigest: several artifacts in one call, a verdict each and exit 3 when one fails; an
// artifact verified by its digest alone, as cosign's and gh's --digest do.
func TestVerifySeveralAndByDigest(t *testing.T) {
	dir := t.TempDir()
	a := copyFixture(t, "x86_64-linux.elf", dir, "app-linux")
	b := copyFixture(t, "x86_64-windows.exe", dir, "app.exe")
	key, pub := keygen(t, t.TempDir(), "ecdsa-p256")
	if res := runCLI(t, pwEnv, "", "release", dir, "--key", key, "--no-provenance"); res.code != 0 {
		t.Fatal(res.stderr)
	}
	res := runCLI(t, nil, "", "verify", a, b, "--key", pub, "--type", "cyclonedx", "--check-sbom")
	if res.code != 0 || strings.Count(res.stdout, "Verified ") != 2 {
		t.Fatalf("two artifacts: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}
	res = runCLI(t, nil, "", "verify", a, b, "--key", pub, "-o", "json")
	var results []map[string]any
	if res.code != 0 || json.Unmarshal([]byte(res.stdout), &results) != nil || len(results) != 2 {
		t.Errorf("two artifacts, JSON: an array of two results: %s", res.stdout)
	}
	// One of them replaced: its verdict fails, the other's stands, and the exit code says a verification failed.
	os.WriteFile(b, []byte("MZ not the released file"), 0o755)
	res = runCLI(t, nil, "", "verify", a, b, "--key", pub, "--type", "cyclonedx")
	if res.code != exitVerifyFailed || !strings.Contains(res.stdout, "Verified app-linux") || strings.Contains(res.stdout, "Verified app.exe") ||
		!strings.Contains(res.stderr, "1 of 2 artifacts: "+b) {
		t.Errorf("one bad of two: exit %d\n%s%s", res.code, res.stdout, res.stderr)
	}

	// By digest: the file is not at hand, its name finds its bundles.
	sum := fmt.Sprintf("%x", sha256.Sum256(mustRead(t, a)))
	elsewhere := t.TempDir()
	t.Chdir(elsewhere)
	os.WriteFile("app-linux.intoto.jsonl", mustRead(t, a+".intoto.jsonl"), 0o644)
	if res := runCLI(t, nil, "", "verify", "app-linux", "--digest", "sha256:"+sum, "--key", pub, "--type", "cyclonedx"); res.code != 0 {
		t.Errorf("--digest: exit %d %s", res.code, res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", "app-linux", "--digest", "sha256:"+strings.Repeat("0", 64), "--key", pub); res.code != exitVerifyFailed {
		t.Errorf("--digest of another file: exit %d", res.code)
	}
	for _, bad := range [][]string{
		{"app-linux", "--digest", "sha256:" + sum, "--check-sbom"},
		{"app-linux", "--digest", "sha512:" + sum},
		{"app-linux", "--digest", "sha256:1234"},
		{"app-linux", "other", "--digest", "sha256:" + sum},
	} {
		if res := runCLI(t, nil, "", append(append([]string{"verify"}, bad...), "--key", pub)...); res.code != exitUsage {
			t.Errorf("%v: exit %d, want a usage error (%s)", bad, res.code, res.stderr)
		}
	}
}

// TestReleaseRefusesAnotherBuildersRecord: signing keylessly as one workflow, release refuses a build record that
// names another builder (verifiers would refuse it, and it would claim a builder that did not vouch for it); the
// provenance it makes itself names the workflow it signs as.
func TestReleaseRefusesAnotherBuildersRecord(t *testing.T) {
	s := requireStack(t)
	ws := gitWorkspace(t)
	dist := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dist, "ws-app")
	ghEnv := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "ferroseal/example",
		"GITHUB_REF": "refs/tags/v0.3.1", "GITHUB_WORKFLOW_REF": "ferroseal/example/.github/workflows/build.yml@refs/tags/v0.3.1", "GITLAB_CI": ""}
	record := filepath.Join(t.TempDir(), "provenance.intoto.json")
	if res := runCLI(t, ghEnv, "", "provenance", art, "--manifest-path", filepath.Join(ws, "Cargo.toml"), "--provenance", record); res.code != 0 {
		t.Fatal(res.stderr)
	}
	commit := strings.TrimSpace(runScript(t, "rev-parse", ws, "git rev-parse HEAD", nil))
	token, err := s.GitHubJobToken(sigstack.GitHubJob{Repo: "ferroseal/example", Ref: "refs/tags/v0.3.1", Workflow: "release.yml", Sha: commit})
	if err != nil {
		t.Fatal(err)
	}
	signing := withEnv(map[string]string{"FERROSEAL_SIGNING_CONFIG": s.SigningConfig, "FERROSEAL_TRUSTED_ROOT": s.TrustedRoot})
	res := runCLI(t, signing, "", "release", dist, "--provenance", record, "--identity-token", token)
	if res.code != 1 || !strings.Contains(res.stderr, "did not sign it") || !strings.Contains(res.stderr, "this job signs as https://github.com/ferroseal/example/.github/workflows/release.yml@refs/tags/v0.3.1") {
		t.Errorf("a record of another builder: exit %d %s", res.code, res.stderr)
	}
	if _, err := os.Stat(art + ".intoto.jsonl"); err == nil {
		t.Error("the refused release wrote its files")
	}
}
