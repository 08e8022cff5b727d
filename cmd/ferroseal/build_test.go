package main

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/testenv"
	"github.com/ferroseal/ferroseal/provenance"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/cargo"
)

// gitWorkspace copies the example workspace into a fresh git repository with one commit and an origin remote, so
// that a build of it has a source to record.
func gitWorkspace(t *testing.T) string {
	t.Helper()
	examples := testenv.Cargo(t)
	dir := filepath.Join(t.TempDir(), "ws")
	if out, err := exec.Command("cp", "-r", filepath.Join(examples, "workspace"), dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	os.RemoveAll(filepath.Join(dir, "target"))
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"},
		{"add", "-A"},
		{"-c", "user.email=ci@example.com", "-c", "user.name=CI", "commit", "-q", "-m", "release"},
		{"tag", "v0.3.1"},
		{"remote", "add", "origin", "https://github.com/ferroseal/example.git"},
	} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	// Share the examples' target directory: registry crates are compiled once.
	t.Setenv("CARGO_TARGET_DIR", filepath.Join(testenv.RepoRoot(t), ".tools", "examples-target"))
	return dir
}

// TestBuildRecordsProvenance runs a real build of the example workspace through ferroseal build, signed, and checks
// the provenance: the in-toto types accept it, its subject is the binary cargo reported, its resolved crates are
// exactly Cargo.lock's, and verification applies the provenance policy.
func TestBuildRecordsProvenance(t *testing.T) {
	ws := gitWorkspace(t)
	keys := t.TempDir()
	key, pub := keygen(t, keys, "ecdsa-p256")
	out := filepath.Join(keys, "provenance.sigstore.json")
	t.Chdir(ws)
	res := runCLI(t, pwEnv, "", "build", "--key", key, "-o", out, "--", "cargo", "build", "--release", "--offline", "--locked")
	if res.code != 0 {
		t.Fatalf("ferroseal build: exit %d\n%s", res.code, res.stderr)
	}
	bin := filepath.Join(os.Getenv("CARGO_TARGET_DIR"), "release", "ws-app")
	if !strings.Contains(res.stderr, "artifact "+bin) {
		t.Errorf("the artifact cargo reported is not named: %s", res.stderr)
	}
	st := statementOf(t, out)
	raw, _ := json.Marshal(st)
	var pb intoto.Statement
	if err := protojson.Unmarshal(raw, &pb); err != nil || pb.Validate() != nil {
		t.Fatalf("the in-toto statement types reject it: %v", err)
	}
	predRaw, _ := json.Marshal(st["predicate"])
	var prov slsa.Provenance
	if err := protojson.Unmarshal(predRaw, &prov); err != nil || prov.Validate() != nil {
		t.Fatalf("the in-toto provenance types reject it: %v", err)
	}
	if got := pb.GetSubject(); len(got) != 1 || got[0].GetName() != "ws-app" {
		t.Errorf("subjects %v, want ws-app", got)
	}
	d, _ := attest.DigestFile(bin, "sha256")
	if pb.GetSubject()[0].GetDigest()["sha256"] != d["sha256"] {
		t.Error("the subject's digest is not the binary's")
	}

	// Resolved dependencies: the source at its ref and commit, the toolchain, and Cargo.lock exactly.
	lf, err := cargo.ReadLockfileFile(filepath.Join(ws, "Cargo.lock"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{}
	for _, p := range lf.Packages {
		if p.Source != "" {
			want[sbom.PURL(p.Name, p.Version, cargo.ParseSource(p.Source))] = p.Checksum
		}
	}
	got := map[string]string{}
	deps := prov.GetBuildDefinition().GetResolvedDependencies()
	for _, dep := range deps {
		if strings.HasPrefix(dep.GetUri(), "pkg:cargo/") {
			got[dep.GetUri()] = dep.GetDigest()["sha256"]
		}
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolvedDependencies differ from Cargo.lock (-lock +provenance):\n%s", diff)
	}
	commit, _ := exec.Command("git", "-C", ws, "rev-parse", "HEAD").Output()
	if deps[0].GetUri() != "git+https://github.com/ferroseal/example@refs/heads/main" || deps[0].GetDigest()["gitCommit"] != strings.TrimSpace(string(commit)) {
		t.Errorf("source dependency %v", deps[0])
	}
	if deps[1].GetName() != "rustc" || deps[1].GetDigest()["gitCommit"] == "" {
		t.Errorf("toolchain dependency %v", deps[1])
	}
	ext := prov.GetBuildDefinition().GetExternalParameters().AsMap()
	if ext["profile"] != "release" || ext["manifestPath"] != "Cargo.toml" {
		t.Errorf("external parameters %v", ext)
	}
	md := prov.GetRunDetails().GetMetadata()
	if md.GetStartedOn() == nil || md.GetFinishedOn() == nil || md.GetFinishedOn().AsTime().Before(md.GetStartedOn().AsTime()) {
		t.Errorf("times %v", md)
	}

	// The provenance policy, field by field: each mismatch fails with the verification-failed code.
	base := []string{"verify", bin, "--bundle", out, "--key", pub, "--type", "slsaprovenance1"}
	ok := append(append([]string{}, base...), "--builder-id", provenance.LocalBuilderID, "--build-type", provenance.BuildType,
		"--source-uri", "github.com/ferroseal/example", "--source-branch", "main")
	if res := runCLI(t, nil, "", ok...); res.code != 0 {
		t.Fatalf("matching policy: %s", res.stderr)
	}
	// Built on the branch main, whose head carries the tag v0.3.1: the provenance records the tag as a fact of the
	// commit, and --source-tag accepts it (the ref stays refs/heads/main).
	if res := runCLI(t, nil, "", append(append([]string{}, base...), "--source-tag", "v0.3.1")...); res.code != 0 {
		t.Errorf("the tag at the built commit: exit %d: %s", res.code, res.stderr)
	}
	for _, mismatch := range [][]string{
		{"--builder-id", "https://github.com/ferroseal/example/.github/workflows/release.yml@refs/tags/v0.3.1"},
		{"--build-type", "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1"},
		{"--source-uri", "github.com/ferroseal/other"},
		{"--source-uri", "github.com/ferroseal/example-fork"},
		{"--source-tag", "v0.3.2"},
		{"--source-ref", "refs/tags/v0.3.1"},
		{"--source-ref", "refs/heads/mai"},
	} {
		res := runCLI(t, nil, "", append(append([]string{}, base...), mismatch...)...)
		if res.code != exitVerifyFailed || !strings.Contains(res.stderr, "provenance policy") {
			t.Errorf("%v: exit %d, want %d; %s", mismatch, res.code, exitVerifyFailed, res.stderr)
		}
	}
	// A provenance policy with no provenance to check fails too.
	sbomOnly := filepath.Join(keys, "sbom.json")
	sbomFile := filepath.Join(keys, "ws-app.cdx.json")
	if res := runCLI(t, nil, "", "sbom", "--offline", "-o", "cyclonedx-json="+sbomFile); res.code != 0 {
		t.Fatal(res.stderr)
	}
	if res := runCLI(t, pwEnv, "", "attest", bin, "--key", key, "--type", "cyclonedx", "--predicate", sbomFile, "--bundle", sbomOnly); res.code != 0 {
		t.Fatal(res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", bin, "--bundle", sbomOnly, "--key", pub, "--builder-id", provenance.LocalBuilderID); res.code != exitVerifyFailed {
		t.Errorf("policy without provenance: exit %d", res.code)
	}
}

// TestProvenanceInCI runs ferroseal provenance with a simulated GitHub Actions and GitLab CI environment.
func TestProvenanceInCI(t *testing.T) {
	ws := gitWorkspace(t)
	bin := copyFixture(t, "x86_64-linux.elf", t.TempDir(), "ws-app")
	manifest := filepath.Join(ws, "Cargo.toml")
	for name, env := range map[string]map[string]string{
		"github": {"GITHUB_ACTIONS": "true", "GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "ferroseal/example",
			"GITHUB_SHA": "0123456789abcdef0123456789abcdef01234567", "GITHUB_REF": "refs/tags/v0.3.1", "GITHUB_RUN_ID": "99", "GITHUB_RUN_ATTEMPT": "1",
			"GITHUB_WORKFLOW_REF": "ferroseal/example/.github/workflows/release.yml@refs/tags/v0.3.1", "GITLAB_CI": ""},
		"gitlab": {"GITLAB_CI": "true", "CI_PROJECT_URL": "https://gitlab.com/ferroseal/example", "CI_COMMIT_SHA": "89abcdef0123456789abcdef0123456789abcdef",
			"CI_COMMIT_TAG": "v0.3.1", "CI_JOB_URL": "https://gitlab.com/ferroseal/example/-/jobs/7", "CI_RUNNER_ID": "3", "GITHUB_ACTIONS": ""},
	} {
		t.Run(name, func(t *testing.T) {
			res := runCLI(t, env, "", "provenance", bin, "--manifest-path", manifest, "--command", "cargo auditable build --release",
				"--started-on", "2026-01-02T03:04:05Z", "--finished-on", "2026-01-02T03:10:00Z")
			if res.code != 0 {
				t.Fatalf("exit %d: %s", res.code, res.stderr)
			}
			stmt, err := attest.ParseStatement([]byte(res.stdout))
			if err != nil {
				t.Fatal(err)
			}
			got, err := attest.ReadProvenance(stmt.Predicate)
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]provenance.CI{
				"github": {BuilderID: "https://github.com/ferroseal/example/.github/workflows/release.yml@refs/tags/v0.3.1"},
				"gitlab": {BuilderID: "https://gitlab.com/ferroseal/example//.gitlab-ci.yml@refs/tags/v0.3.1"},
			}[name]
			if got.BuilderID != want.BuilderID || got.SourceRef != "refs/tags/v0.3.1" || attest.NormalizeSourceURI(got.SourceURI) != "github.com/ferroseal/example" && name == "github" {
				t.Errorf("%+v", got)
			}
			if !strings.Contains(res.stdout, `"startedOn": "2026-01-02T03:04:05Z"`) {
				t.Errorf("times not recorded:\n%s", res.stdout)
			}
		})
	}
}
