package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/sigstack"
	"github.com/ferroseal/ferroseal/internal/testenv"
)

// The simulated GitHub Actions run of the reusable workflow: the caller's repository and tag, the workflow's own
// identity, and the builder id its signatures certify.
const (
	l3Repo          = "ferroseal/example"
	l3Tag           = "v0.3.1"
	l3JobWorkflow   = "ferroseal/ferroseal/.github/workflows/rust-release.yml@refs/tags/v1"
	l3Builder       = "https://github.com/" + l3JobWorkflow
	l3BuilderNoRef  = "https://github.com/ferroseal/ferroseal/.github/workflows/rust-release.yml"
	l3SignerWorkflw = "github.com/ferroseal/ferroseal/.github/workflows/rust-release.yml"
)

type ghJob struct {
	Needs       any               `yaml:"needs"`
	Permissions map[string]string `yaml:"permissions"`
	Outputs     map[string]string `yaml:"outputs"`
	Steps       []struct {
		ID   string            `yaml:"id"`
		Name string            `yaml:"name"`
		Uses string            `yaml:"uses"`
		Run  string            `yaml:"run"`
		If   string            `yaml:"if"`
		With map[string]string `yaml:"with"`
		Env  map[string]string `yaml:"env"`
	} `yaml:"steps"`
}

// gitRepo makes a git repository of a directory's files at the release tag, as a checkout of the caller's
// repository; cloneRepo gives another job its own checkout of it.
func gitRepo(t *testing.T, src string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "repo")
	if out, err := exec.Command("cp", "-r", src, dir).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	os.RemoveAll(filepath.Join(dir, "target"))
	for _, args := range [][]string{
		{"init", "-q", "-b", "main"}, {"add", "-A"},
		{"-c", "user.email=ci@example.com", "-c", "user.name=CI", "commit", "-q", "-m", "release"},
		{"tag", l3Tag}, {"remote", "add", "origin", "https://github.com/" + l3Repo + ".git"},
	} {
		if out, err := exec.Command("git", append([]string{"-C", dir}, args...)...).CombinedOutput(); err != nil {
			t.Fatalf("git %v: %v %s", args, err, out)
		}
	}
	return dir
}

func cloneRepo(t *testing.T, repo string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "checkout")
	if out, err := exec.Command("git", "clone", "-q", repo, dir).CombinedOutput(); err != nil {
		t.Fatalf("git clone: %v %s", err, out)
	}
	return dir
}

// l3Run is one simulated run of .github/workflows/rust-release.yml.
type l3Run struct {
	// checkouts are the jobs' working directories; artifacts the uploaded files, by artifact name.
	checkouts map[string]string
	artifacts string
	outputs   map[string]map[string]string
	commit    string
}

// runReusableWorkflow runs every job of the reusable workflow that ferroseal ships, job by job and in order, as
// GitHub Actions would for a caller at l3Tag: each job in a checkout of its own, with an identity token only where
// the workflow grants id-token (the token is a reusable workflow's: job_workflow_ref names ferroseal's workflow),
// artifacts carried from job to job by upload-artifact and download-artifact. afterBuild, when set, runs between
// the build and the sign job (to tamper with what the build job uploaded). extraEnv reaches every job.
func runReusableWorkflow(t *testing.T, s *sigstack.Stack, repo string, inputs, extraEnv map[string]string, afterBuild func(artifacts string)) (*l3Run, error) {
	t.Helper()
	// Jobs build into their checkout's target/ (as on GitHub), linked to a shared directory: CARGO_TARGET_DIR
	// would move cargo's output away from where the workflow looks.
	target := os.Getenv("CARGO_TARGET_DIR")
	t.Setenv("CARGO_TARGET_DIR", "")
	os.Unsetenv("CARGO_TARGET_DIR")
	var wf struct {
		Env  map[string]string `yaml:"env"`
		On   map[string]any    `yaml:"on"`
		Jobs map[string]ghJob  `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(mustRead(t, filepath.Join(testenv.RepoRoot(t), ".github", "workflows", "rust-release.yml")), &wf); err != nil {
		t.Fatalf("rust-release.yml: %v", err)
	}
	if _, ok := wf.On["workflow_call"]; !ok {
		t.Fatal("rust-release.yml is not a reusable workflow (on: workflow_call)")
	}
	bin := buildFerroseal(t)
	run := &l3Run{checkouts: map[string]string{}, artifacts: t.TempDir(), outputs: map[string]map[string]string{}}
	run.commit = strings.TrimSpace(runScript(t, "rev-parse", repo, "git rev-parse HEAD", nil))
	token, err := s.GitHubJobToken(sigstack.GitHubJob{Repo: l3Repo, Ref: "refs/tags/" + l3Tag, Workflow: "release.yml",
		JobWorkflowRef: l3JobWorkflow, Sha: run.commit})
	if err != nil {
		t.Fatal(err)
	}
	actions := actionsTokenServer(t, "runtime", token)
	base := map[string]string{
		"PATH":                bin + ":" + filepath.Join(testenv.RepoRoot(t), ".tools", "cargo-auditable", "bin") + ":" + os.Getenv("PATH"),
		"GITHUB_ACTIONS":      "true",
		"GITHUB_SERVER_URL":   "https://github.com",
		"GITHUB_REPOSITORY":   l3Repo,
		"GITHUB_REF":          "refs/tags/" + l3Tag,
		"GITHUB_REF_NAME":     l3Tag,
		"GITHUB_SHA":          run.commit,
		"GITHUB_WORKFLOW_REF": l3Repo + "/.github/workflows/release.yml@refs/tags/" + l3Tag, // the caller's
		"GITHUB_RUN_ID":       "42", "GITHUB_RUN_ATTEMPT": "1", "RUNNER_OS": "Linux", "RUNNER_ARCH": "X64",
		"FERROSEAL_SIGNING_CONFIG": s.SigningConfig, "FERROSEAL_TRUSTED_ROOT": s.TrustedRoot,
		"SOURCE_DATE_EPOCH": "", "SIGSTORE_ID_TOKEN": "", "GITLAB_CI": "",
	}
	for k, v := range wf.Env {
		base[k] = v
	}
	base["OIDC_ISSUER"] = s.GitHubIssuer
	for k, v := range extraEnv {
		base[k] = v
	}
	values := map[string]string{"github.token": "unused", "github.ref": "refs/tags/" + l3Tag}
	for k, v := range inputs {
		values["inputs."+k] = v
	}
	for _, name := range []string{"resolve", "build", "sign"} {
		job, ok := wf.Jobs[name]
		if !ok {
			t.Fatalf("rust-release.yml has no %s job", name)
		}
		if name == "sign" && afterBuild != nil {
			afterBuild(run.artifacts)
		}
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		// The runtime hands out identity tokens only to jobs granted id-token: write.
		env["ACTIONS_ID_TOKEN_REQUEST_URL"], env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = "", ""
		if job.Permissions["id-token"] == "write" {
			env["ACTIONS_ID_TOKEN_REQUEST_URL"], env["ACTIONS_ID_TOKEN_REQUEST_TOKEN"] = actions.URL+"/token?api-version=2.0", "runtime"
		}
		dir := t.TempDir() // a job that checks out nothing
		stepOut := map[string]map[string]string{}
		for _, st := range job.Steps {
			stepValues := map[string]string{}
			for k, v := range values {
				stepValues[k] = v
			}
			for id, outs := range stepOut {
				for k, v := range outs {
					stepValues["steps."+id+".outputs."+k] = v
				}
			}
			switch {
			case strings.HasPrefix(st.Uses, "actions/checkout@"):
				dir = cloneRepo(t, repo)
				run.checkouts[name] = dir
				if target != "" { // registry crates compiled once for all tests
					os.MkdirAll(target, 0o755)
					if err := os.Symlink(target, filepath.Join(dir, "target")); err != nil {
						t.Fatal(err)
					}
				}
				continue
			case strings.HasPrefix(st.Uses, "actions/upload-artifact@"):
				store := filepath.Join(run.artifacts, resolve(st.With["name"], stepValues))
				for _, p := range strings.Fields(st.With["path"]) {
					p = strings.TrimSuffix(p, "/")
					os.MkdirAll(filepath.Join(store, filepath.Dir(p)), 0o755)
					runScript(t, "upload "+p, dir, "cp -r "+shellQuote(p)+" "+shellQuote(filepath.Join(store, p)), nil)
				}
				continue
			case strings.HasPrefix(st.Uses, "actions/download-artifact@"):
				store := filepath.Join(run.artifacts, resolve(st.With["name"], stepValues))
				dest := filepath.Join(dir, resolve(st.With["path"], stepValues))
				runScript(t, "download", dir, "mkdir -p "+shellQuote(dest)+" && cp -r "+shellQuote(store)+"/. "+shellQuote(dest), nil)
				continue
			case st.Uses != "" || st.Run == "" || installsOrPublishes(st.Run) || st.If != "":
				continue // toolchains and installs (on PATH here), publishing
			}
			stepEnv := map[string]string{}
			for k, v := range env {
				stepEnv[k] = v
			}
			for k, v := range st.Env {
				stepEnv[k] = resolve(v, stepValues)
			}
			outFile := filepath.Join(t.TempDir(), "output")
			os.WriteFile(outFile, nil, 0o644)
			stepEnv["GITHUB_OUTPUT"] = outFile
			t.Logf("%s: step %q", name, st.Name)
			if out, err := stepScript(dir, resolve(st.Run, stepValues), stepEnv); err != nil {
				return run, fmt.Errorf("%s: step %q: %v\n%s", name, st.Name, err, out)
			}
			if st.ID != "" {
				stepOut[st.ID] = map[string]string{}
				sc := bufio.NewScanner(strings.NewReader(string(mustRead(t, outFile))))
				for sc.Scan() {
					if k, v, ok := strings.Cut(sc.Text(), "="); ok {
						stepOut[st.ID][k] = v
					}
				}
			}
		}
		run.outputs[name] = map[string]string{}
		for k, expr := range job.Outputs {
			outValues := map[string]string{}
			for id, outs := range stepOut {
				for ok, ov := range outs {
					outValues["steps."+id+".outputs."+ok] = ov
				}
			}
			run.outputs[name][k] = resolve(expr, outValues)
			values["needs."+name+".outputs."+k] = run.outputs[name][k]
		}
	}
	return run, nil
}

// stepScript runs a step's script as runScript does, and returns its error instead of failing the test.
func stepScript(dir, script string, env map[string]string) (string, error) {
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// TestReusableWorkflowL3 (issue: provenance a build script cannot forge): the reusable workflow runs job by job
// against the local Sigstore; the build job holds no identity, the sign job makes the provenance and signs as the
// reusable workflow; a user's verification requiring that builder passes with every check slsa-verifier and gh
// make, and fails for any other builder, source, tag, commit or input.
func TestReusableWorkflowL3(t *testing.T) {
	s := requireStack(t)
	examples := testenv.Cargo(t)
	repo := gitRepo(t, filepath.Join(examples, "workspace"))
	t.Setenv("CARGO_TARGET_DIR", filepath.Join(testenv.RepoRoot(t), ".tools", "examples-target"))
	run, err := runReusableWorkflow(t, s, repo, map[string]string{"binaries": "ws-app", "cargo-args": "--offline", "rust-toolchain": "stable", "lockfile": "Cargo.lock", "publish": "false"}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got := run.outputs["resolve"]["builder-id"]; got != l3Builder {
		t.Fatalf("the resolve job names the builder %q, want %q", got, l3Builder)
	}
	dist := filepath.Join(run.checkouts["sign"], "dist")
	app := filepath.Join(dist, "ws-app")

	// The provenance is the sign job's: builder, source, command and inputs from its context; the toolchain and
	// times reported by the build job, and marked so.
	var prov string
	sc := bufio.NewScanner(strings.NewReader(string(mustRead(t, app+".intoto.jsonl"))))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var b struct {
			DSSE struct{ Payload []byte } `json:"dsseEnvelope"`
		}
		json.Unmarshal(sc.Bytes(), &b)
		if strings.Contains(string(b.DSSE.Payload), "slsa.dev/provenance/v1") {
			prov = string(b.DSSE.Payload)
		}
	}
	for _, want := range []string{`"id":"` + l3Builder + `"`, `"command":["cargo","auditable","build","--release","--locked","--offline"]`,
		`"inputs":{`, `"binaries":"ws-app"`, `"reportedBy":"build"`, `"isolatedBuild"`, `"gitCommit":"` + run.commit + `"`, `"startedOn"`} {
		if !strings.Contains(prov, want) {
			t.Errorf("provenance lacks %s:\n%s", want, prov)
		}
	}

	common := []string{"verify", app, "--trusted-root", s.TrustedRoot, "--certificate-oidc-issuer", s.GitHubIssuer, "--use-signed-timestamps"}
	ok := append(common, "--signer-workflow", l3SignerWorkflw, "--builder-id", l3BuilderNoRef, "--source-uri", "github.com/"+l3Repo,
		"--source-versioned-tag", "v0.3", "--source-digest", run.commit, "--build-workflow-input", "binaries=ws-app",
		"--deny-self-hosted-runners", "--type", "slsaprovenance1", "--type", "cyclonedx", "--check-sbom", "-o", "json")
	res := runCLI(t, nil, "", ok...)
	if res.code != 0 {
		t.Fatalf("verify under the L3 policy: exit %d\n%s%s", res.code, res.stderr, res.stdout)
	}
	var out attest.Result
	json.Unmarshal([]byte(res.stdout), &out)
	bound := false
	for _, a := range out.Attestations {
		bound = bound || (a.Provenance != nil && a.Provenance.BoundToSigner && len(a.ProvenanceStatement) > 0)
	}
	if !bound {
		t.Errorf("the result does not show the builder bound to its signer, with the statement: %s", res.stdout)
	}
	// --print-provenance: the statement on stdout, one line.
	res = runCLI(t, nil, "", append(common, "--certificate-identity", l3Builder, "--print-provenance")...)
	if res.code != 0 || !strings.HasPrefix(res.stdout, `{"_type":"https://in-toto.io/Statement/v1"`) || strings.Count(res.stdout, "\n") != 1 || !strings.Contains(res.stderr, "which signed it") {
		t.Errorf("--print-provenance: exit %d\n%s\n%s", res.code, res.stdout, res.stderr)
	}
	// Each requirement, wrong, fails.
	for _, bad := range [][]string{
		{"--certificate-identity", l3Builder, "--builder-id", "https://github.com/" + l3Repo + "/.github/workflows/release.yml"},
		{"--signer-workflow", "github.com/" + l3Repo + "/.github/workflows/release.yml"},
		{"--signer-repo", l3Repo},
		{"--certificate-identity", l3Builder, "--source-uri", "github.com/evil/fork"},
		{"--certificate-identity", l3Builder, "--source-versioned-tag", "v0.4"},
		{"--certificate-identity", l3Builder, "--source-versioned-tag", "v0.3.2"},
		{"--certificate-identity", l3Builder, "--source-digest", strings.Repeat("1", 40)},
		{"--certificate-identity", l3Builder, "--build-workflow-input", "binaries=other"},
		{"--certificate-identity", l3Builder, "--build-workflow-input", "cargo-args=--features evil"},
		{"--certificate-identity", l3Builder, "--signer-digest", strings.Repeat("2", 40)},
	} {
		if res := runCLI(t, nil, "", append(common, bad...)...); res.code != exitVerifyFailed {
			t.Errorf("%v: exit %d, want %d\n%s", bad, res.code, exitVerifyFailed, res.stderr)
		}
	}
}

// TestHostileBuildScriptL3 (issue: the isolation, proven): a crate whose build.rs tries to mint the signing
// identity and leaves forged provenance behind is released by the reusable workflow. The build job gives it no
// identity; a record the attacker rewrites after the build (naming a file never built, or another source and
// builder) is refused or overruled by the sign job; and in the one-job (L2) setup, where the build script does get
// a token, what it signs with it fails verification under the L3 builder.
func TestHostileBuildScriptL3(t *testing.T) {
	s := requireStack(t)
	testenv.Cargo(t)
	repo := gitRepo(t, filepath.Join(testenv.RepoRoot(t), "cmd", "ferroseal", "testdata", "hostile-build"))
	t.Setenv("CARGO_TARGET_DIR", filepath.Join(t.TempDir(), "target"))
	inputs := map[string]string{"binaries": "hostile-app", "cargo-args": "--offline", "rust-toolchain": "stable", "lockfile": "Cargo.lock", "publish": "false"}

	// 1. The isolated build: the build script finds no identity to take.
	loot := t.TempDir()
	run, err := runReusableWorkflow(t, s, repo, inputs, map[string]string{"HOSTILE_LOOT": loot}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := os.ReadFile(filepath.Join(loot, "token")); err != nil || len(tok) != 0 {
		t.Fatalf("the build script of the isolated build job got an identity token (%d bytes, %v)", len(tok), err)
	}
	app := filepath.Join(run.checkouts["sign"], "dist", "hostile-app")
	l3 := []string{"verify", app, "--trusted-root", s.TrustedRoot, "--certificate-oidc-issuer", s.GitHubIssuer, "--use-signed-timestamps",
		"--signer-workflow", l3SignerWorkflw, "--builder-id", l3BuilderNoRef, "--source-uri", "github.com/" + l3Repo, "--type", "slsaprovenance1"}
	if res := runCLI(t, nil, "", l3...); res.code != 0 {
		t.Fatalf("the isolated release does not verify: %s", res.stderr)
	}
	if prov := string(mustRead(t, app+".intoto.jsonl")); strings.Contains(prov, "evil/fork") {
		t.Error("the build script's forged provenance was released")
	}

	// 2. The build job's upload rewritten by an attacker who owns the build job: a record naming a file it never
	// built is refused; one naming another source and builder for the real binary changes nothing signed.
	forge := func(extraSubject bool) func(string) {
		return func(artifacts string) {
			recPath := filepath.Join(artifacts, "ferroseal-build", "build.intoto.json")
			var rec map[string]any
			json.Unmarshal(mustRead(t, recPath), &rec)
			pred := rec["predicate"].(map[string]any)
			pred["runDetails"].(map[string]any)["builder"] = map[string]any{"id": l3Builder}
			pred["buildDefinition"].(map[string]any)["externalParameters"].(map[string]any)["source"] = map[string]any{"uri": "git+https://github.com/evil/fork", "ref": "refs/tags/v9"}
			if extraSubject {
				rec["subject"] = append(rec["subject"].([]any), map[string]any{"name": "backdoor", "digest": map[string]any{"sha256": strings.Repeat("ab", 32)}})
			}
			data, _ := json.Marshal(rec)
			os.WriteFile(recPath, data, 0o644)
		}
	}
	if _, err := runReusableWorkflow(t, s, repo, inputs, nil, forge(true)); err == nil || !strings.Contains(err.Error(), "not artifacts of this release") {
		t.Fatalf("a record naming a file the build job did not make: %v", err)
	}
	if run, err = runReusableWorkflow(t, s, repo, inputs, nil, forge(false)); err != nil {
		t.Fatal(err)
	}
	app = filepath.Join(run.checkouts["sign"], "dist", "hostile-app")
	l3[1] = app
	if res := runCLI(t, nil, "", l3...); res.code != 0 {
		t.Fatalf("a rewritten record's claims reached the provenance: %s", res.stderr)
	}
	if prov := string(mustRead(t, app+".intoto.jsonl")); strings.Contains(prov, "evil/fork") {
		t.Error("the rewritten record's source was signed")
	}

	// 3. The one-job setup (L2): the build script runs where the identity is, and takes it.
	token, err := s.GitHubJobToken(sigstack.GitHubJob{Repo: l3Repo, Ref: "refs/tags/" + l3Tag, Workflow: "release.yml", Sha: run.commit})
	if err != nil {
		t.Fatal(err)
	}
	actions := actionsTokenServer(t, "runtime", token)
	loot = t.TempDir()
	ws := cloneRepo(t, repo)
	cmd := exec.Command("cargo", "build", "--release", "--offline")
	cmd.Dir = ws
	cmd.Env = append(os.Environ(), "ACTIONS_ID_TOKEN_REQUEST_URL="+actions.URL+"/token?api-version=2.0", "ACTIONS_ID_TOKEN_REQUEST_TOKEN=runtime", "HOSTILE_LOOT="+loot)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("cargo build: %v\n%s", err, out)
	}
	stolen := strings.TrimSpace(string(mustRead(t, filepath.Join(loot, "token"))))
	if stolen == "" {
		t.Fatal("in one job, the build script should have obtained the identity token (the L2 weakness this test shows)")
	}
	// With it, the attacker signs provenance of a file never built, claiming the trusted builder, and once more
	// claiming the job's own workflow.
	evil := filepath.Join(t.TempDir(), "hostile-app")
	os.WriteFile(evil, []byte("not what the source builds"), 0o755)
	for _, claimed := range []string{l3Builder, "https://github.com/" + l3Repo + "/.github/workflows/release.yml@refs/tags/" + l3Tag} {
		pred := `{"buildDefinition":{"buildType":"https://github.com/ferroseal/ferroseal/blob/main/docs/buildtype-cargo-v1.md","externalParameters":{"source":{"uri":"git+https://github.com/` + l3Repo + `","ref":"refs/tags/` + l3Tag + `"}},"resolvedDependencies":[{"uri":"git+https://github.com/` + l3Repo + `@refs/tags/` + l3Tag + `","digest":{"gitCommit":"` + run.commit + `"}}]},"runDetails":{"builder":{"id":"` + claimed + `"}}}`
		predFile := writeFile(t, t.TempDir(), "pred.json", pred)
		bundle := filepath.Join(t.TempDir(), "evil.sigstore.json")
		res := runCLI(t, withEnv(nil), "", "attest", evil, "--type", "slsaprovenance1", "--predicate", predFile, "--identity-token", stolen,
			"--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot, "--bundle", bundle)
		if res.code != 0 {
			t.Fatalf("signing with the stolen token: %s", res.stderr)
		}
		l3Evil := []string{"verify", evil, "--bundle", bundle, "--trusted-root", s.TrustedRoot, "--certificate-oidc-issuer", s.GitHubIssuer,
			"--use-signed-timestamps", "--signer-workflow", l3SignerWorkflw, "--builder-id", l3BuilderNoRef, "--type", "slsaprovenance1"}
		if res := runCLI(t, nil, "", l3Evil...); res.code != exitVerifyFailed {
			t.Errorf("a stolen L2 token's signature (builder %s) passes the L3 policy: exit %d", claimed, res.code)
		}
		// Naming the trusted builder, it does not even pass as the caller's own workflow: the builder must be the signer.
		l2 := []string{"verify", evil, "--bundle", bundle, "--trusted-root", s.TrustedRoot, "--certificate-oidc-issuer", s.GitHubIssuer,
			"--use-signed-timestamps", "--certificate-identity", "https://github.com/" + l3Repo + "/.github/workflows/release.yml@refs/tags/" + l3Tag, "--type", "slsaprovenance1"}
		res = runCLI(t, nil, "", l2...)
		if claimed == l3Builder && (res.code != exitVerifyFailed || !strings.Contains(res.stderr, "did not sign it")) {
			t.Errorf("provenance claiming a builder that did not sign it: exit %d %s", res.code, res.stderr)
		}
		if claimed != l3Builder && res.code != 0 {
			t.Errorf("under the L2 policy the stolen token's signature passes (what L3 prevents); here: exit %d %s", res.code, res.stderr)
		}
	}
}

type glJob struct {
	Variables    map[string]string `yaml:"variables"`
	BeforeScript []string          `yaml:"before_script"`
	Script       []string          `yaml:"script"`
	IDTokens     map[string]struct {
		Aud string `yaml:"aud"`
	} `yaml:"id_tokens"`
	Artifacts struct {
		Paths []string `yaml:"paths"`
	} `yaml:"artifacts"`
}

// runGitLabTemplate runs the two jobs of templates/rust-release.gitlab-ci.yml as GitLab would for a tag of the
// project: its inputs interpolated, each job in its own checkout, the build job's artifacts unpacked into the sign
// job's, and an identity token (GitLab's claims) only in the job that declares id_tokens.
func runGitLabTemplate(t *testing.T, s *sigstack.Stack, repo string, inputs, extraEnv map[string]string) (string, error) {
	t.Helper()
	target := os.Getenv("CARGO_TARGET_DIR")
	t.Setenv("CARGO_TARGET_DIR", "")
	os.Unsetenv("CARGO_TARGET_DIR")
	raw := string(mustRead(t, filepath.Join(testenv.RepoRoot(t), "templates", "rust-release.gitlab-ci.yml")))
	head, body, ok := strings.Cut(raw, "\n---\n")
	if !ok {
		t.Fatal("the template has no spec header")
	}
	var spec struct {
		Spec struct {
			Inputs map[string]struct {
				Default *string `yaml:"default"`
			} `yaml:"inputs"`
		} `yaml:"spec"`
	}
	if err := yaml.Unmarshal([]byte(head), &spec); err != nil {
		t.Fatal(err)
	}
	for name, in := range spec.Spec.Inputs {
		v, given := inputs[name]
		if !given {
			if in.Default == nil {
				t.Fatalf("input %s has no default and is not given", name)
			}
			v = *in.Default
		}
		body = strings.ReplaceAll(body, "$[[ inputs."+name+" ]]", v)
	}
	if strings.Contains(body, "$[[") {
		t.Fatalf("an input is left in the template: %s", body[strings.Index(body, "$[["):][:40])
	}
	var jobs map[string]glJob
	if err := yaml.Unmarshal([]byte(body), &jobs); err != nil {
		t.Fatal(err)
	}
	build, sign := jobs["ferroseal-build"], jobs["ferroseal-sign"]
	if len(build.IDTokens) != 0 || sign.IDTokens["SIGSTORE_ID_TOKEN"].Aud != "sigstore" {
		t.Fatal("the build job must declare no id_tokens and the sign job SIGSTORE_ID_TOKEN with audience sigstore")
	}
	bin := buildFerroseal(t)
	commit := strings.TrimSpace(runScript(t, "rev-parse", repo, "git rev-parse HEAD", nil))
	token, err := s.GitLabJobToken(sigstack.GitLabJob{ProjectPath: l3Repo, Ref: l3Tag, Tag: true, Sha: commit})
	if err != nil {
		t.Fatal(err)
	}
	base := map[string]string{
		"PATH":      bin + ":" + filepath.Join(testenv.RepoRoot(t), ".tools", "cargo-auditable", "bin") + ":" + os.Getenv("PATH"),
		"GITLAB_CI": "true", "CI_SERVER_URL": "https://gitlab.com", "CI_SERVER_HOST": "gitlab.com", "CI_PROJECT_PATH": l3Repo,
		"CI_PROJECT_URL": "https://gitlab.com/" + l3Repo, "CI_CONFIG_PATH": ".gitlab-ci.yml", "CI_COMMIT_TAG": l3Tag,
		"CI_COMMIT_SHA": commit, "CI_JOB_URL": "https://gitlab.com/" + l3Repo + "/-/jobs/7", "CI_RUNNER_ID": "12", "CI_PIPELINE_ID": "99",
		"SIGSTORE_ID_TOKEN": "", "ACTIONS_ID_TOKEN_REQUEST_URL": "", "ACTIONS_ID_TOKEN_REQUEST_TOKEN": "", "GITHUB_ACTIONS": "",
		"FERROSEAL_SIGNING_CONFIG": s.SigningConfig, "FERROSEAL_TRUSTED_ROOT": s.TrustedRoot, "SOURCE_DATE_EPOCH": "",
	}
	for k, v := range extraEnv {
		base[k] = v
	}
	store := t.TempDir()
	var signDir string
	for _, name := range []string{"ferroseal-build", "ferroseal-sign"} {
		job := jobs[name]
		dir := cloneRepo(t, repo)
		env := map[string]string{}
		for k, v := range base {
			env[k] = v
		}
		if name == "ferroseal-build" && target != "" {
			os.MkdirAll(target, 0o755)
			os.Symlink(target, filepath.Join(dir, "target"))
		}
		if name == "ferroseal-sign" {
			env["SIGSTORE_ID_TOKEN"] = token
			runScript(t, "artifacts", dir, "cp -r "+shellQuote(store)+"/. .", nil)
			signDir = dir
		}
		for k, v := range job.Variables {
			env[k] = os.Expand(v, func(n string) string { return env[n] })
		}
		env["OIDC_ISSUER"] = s.GitLabIssuer
		for _, line := range append(job.BeforeScript, job.Script...) {
			if installsOrPublishes(line) {
				continue
			}
			if out, err := stepScript(dir, line, env); err != nil {
				return signDir, fmt.Errorf("%s: %v\n%s\n--- script ---\n%s", name, err, out, line)
			}
		}
		if name == "ferroseal-build" {
			for _, p := range job.Artifacts.Paths {
				p = strings.TrimSuffix(p, "/")
				os.MkdirAll(filepath.Join(store, filepath.Dir(p)), 0o755)
				runScript(t, "artifacts", dir, "cp -r "+shellQuote(p)+" "+shellQuote(filepath.Join(store, p)), nil)
			}
		}
	}
	return signDir, nil
}

// TestGitLabTemplateIsolated: the GitLab template's two jobs, run as GitLab would: the build job holds no token
// (a hostile build script finds none), the sign job makes and signs the provenance as the project's pipeline,
// which names itself as the builder; the release verifies, and a statement naming another builder would not.
func TestGitLabTemplateIsolated(t *testing.T) {
	s := requireStack(t)
	testenv.Cargo(t)
	repo := gitRepo(t, filepath.Join(testenv.RepoRoot(t), "cmd", "ferroseal", "testdata", "hostile-build"))
	t.Setenv("CARGO_TARGET_DIR", filepath.Join(t.TempDir(), "target"))
	loot := t.TempDir()
	dir, err := runGitLabTemplate(t, s, repo, map[string]string{"binaries": "hostile-app", "cargo-args": "--offline"}, map[string]string{"HOSTILE_LOOT": loot})
	if err != nil {
		t.Fatal(err)
	}
	if tok, err := os.ReadFile(filepath.Join(loot, "token")); err != nil || len(tok) != 0 {
		t.Fatalf("the build script of the GitLab build job got an identity token (%d bytes, %v)", len(tok), err)
	}
	app := filepath.Join(dir, "dist", "hostile-app")
	pipeline := "https://gitlab.com/" + l3Repo + "//.gitlab-ci.yml@refs/tags/" + l3Tag
	res := runCLI(t, nil, "", "verify", app, "--trusted-root", s.TrustedRoot, "--certificate-identity", pipeline,
		"--certificate-oidc-issuer", s.GitLabIssuer, "--use-signed-timestamps", "--builder-id", pipeline, "--deny-self-hosted-runners",
		"--signer-repo", "", "--source-uri", "gitlab.com/"+l3Repo, "--source-tag", l3Tag, "--build-workflow-input", "binaries=hostile-app", "--type", "slsaprovenance1")
	if res.code != exitUsage {
		t.Errorf("an empty --signer-repo must be a usage error: exit %d", res.code)
	}
	res = runCLI(t, nil, "", "verify", app, "--trusted-root", s.TrustedRoot, "--signer-repo", "gitlab.com/"+l3Repo,
		"--certificate-oidc-issuer", s.GitLabIssuer, "--use-signed-timestamps", "--builder-id", pipeline, "--deny-self-hosted-runners",
		"--source-uri", "gitlab.com/"+l3Repo, "--source-tag", l3Tag, "--build-workflow-input", "binaries=hostile-app", "--type", "slsaprovenance1")
	if res.code != 0 {
		t.Fatalf("verify the GitLab release: exit %d %s", res.code, res.stderr)
	}
	if prov := string(mustRead(t, app+".intoto.jsonl")); strings.Contains(prov, "evil/fork") {
		t.Error("the build script's forged provenance was released")
	}
}
