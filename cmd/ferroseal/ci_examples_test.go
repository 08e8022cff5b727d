package main

import (
	"bufio"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/ferroseal/ferroseal/internal/sigstack"
	"github.com/ferroseal/ferroseal/internal/testenv"
)

// buildFerroseal builds the command into a fresh directory, for scripts to run as `ferroseal`.
func buildFerroseal(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	// Built as make build builds it: static, so that what the tests measure is what users run.
	cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "ferroseal"), "./cmd/ferroseal")
	cmd.Dir = testenv.RepoRoot(t)
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return dir
}

// ciWorkspace is the example workspace as a repository at a release tag, built into the shared target directory.
func ciWorkspace(t *testing.T) string {
	t.Helper()
	ws := gitWorkspace(t)
	shared := os.Getenv("CARGO_TARGET_DIR")
	os.Unsetenv("CARGO_TARGET_DIR") // gitWorkspace's t.Setenv restores it; target/ links to it instead
	os.MkdirAll(shared, 0o755)
	if err := os.Symlink(shared, filepath.Join(ws, "target")); err != nil {
		t.Fatal(err)
	}
	return ws
}

var expr = regexp.MustCompile(`\$\{\{\s*([^}]+?)\s*\}\}`)

// resolve replaces GitHub expressions (${{ inputs.x }}, ${{ github.y }}) with values.
func resolve(s string, values map[string]string) string {
	return expr.ReplaceAllStringFunc(s, func(m string) string {
		return values[strings.TrimSpace(expr.FindStringSubmatch(m)[1])]
	})
}

// runScript runs a shell script in dir with the environment, failing the test on error.
func runScript(t *testing.T, name, dir, script string, env map[string]string) string {
	t.Helper()
	cmd := exec.Command("bash", "-euo", "pipefail", "-c", script)
	cmd.Dir = dir
	cmd.Env = os.Environ()
	keys := make([]string, 0, len(env))
	for k := range env {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		cmd.Env = append(cmd.Env, k+"="+env[k])
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("step %q failed: %v\n%s\n--- script ---\n%s", name, err, out, script)
	}
	return string(out)
}

// installsOrPublishes tells the steps a test does not run: tool installation and talking to the forge.
func installsOrPublishes(script string) bool {
	words := strings.Fields(script)
	for len(words) > 0 && strings.Contains(words[0], "=") { // leading VAR=value assignments
		words = words[1:]
	}
	s := strings.Join(words, " ")
	for _, p := range []string{"cargo install", "go install", "gh ", "curl ", "export PATH"} {
		if strings.HasPrefix(s, p) {
			return true
		}
	}
	return false
}

type ghStep struct {
	Name string            `yaml:"name"`
	Uses string            `yaml:"uses"`
	Run  string            `yaml:"run"`
	With map[string]string `yaml:"with"`
	Env  map[string]string `yaml:"env"`
}

// TestGitHubWorkflowExample runs every ferroseal step of examples/github-actions/release.yml, and the action it
// uses (action.yml), in a simulated GitHub Actions run against the Sigstore on 127.0.0.1, then checks the release
// the way examples/verify.sh does.
func TestGitHubWorkflowExample(t *testing.T) {
	s := requireStack(t)
	var wf struct {
		Env  map[string]string `yaml:"env"`
		Jobs map[string]struct {
			Steps []ghStep `yaml:"steps"`
		} `yaml:"jobs"`
	}
	if err := yaml.Unmarshal(mustRead(t, filepath.Join(testenv.RepoRoot(t), "examples", "github-actions", "release.yml")), &wf); err != nil {
		t.Fatalf("release.yml is not valid YAML: %v", err)
	}
	var action struct {
		Inputs map[string]struct {
			Default string `yaml:"default"`
		} `yaml:"inputs"`
		Runs struct {
			Steps []ghStep `yaml:"steps"`
		} `yaml:"runs"`
	}
	if err := yaml.Unmarshal(mustRead(t, filepath.Join(testenv.RepoRoot(t), "action.yml")), &action); err != nil {
		t.Fatalf("action.yml is not valid YAML: %v", err)
	}
	steps := wf.Jobs["release"].Steps
	if len(steps) == 0 {
		t.Fatal("no release job steps")
	}

	bin := buildFerroseal(t)
	ws := ciWorkspace(t)
	const repo, tag = "ferroseal/example", "v0.3.1"
	commit := strings.TrimSpace(runScript(t, "rev-parse", ws, "git rev-parse HEAD", nil))
	token, err := s.GitHubJobToken(sigstack.GitHubJob{Repo: repo, Ref: "refs/tags/" + tag, Workflow: "release.yml", Sha: commit})
	if err != nil {
		t.Fatal(err)
	}
	actions := actionsTokenServer(t, "runtime", token)
	env := map[string]string{
		"PATH":                           bin + ":" + filepath.Join(testenv.RepoRoot(t), ".tools", "cargo-auditable", "bin") + ":" + os.Getenv("PATH"),
		"GITHUB_ACTIONS":                 "true",
		"GITHUB_SERVER_URL":              "https://github.com",
		"GITHUB_REPOSITORY":              repo,
		"GITHUB_REF":                     "refs/tags/" + tag,
		"GITHUB_REF_NAME":                tag,
		"GITHUB_SHA":                     commit,
		"GITHUB_WORKFLOW_REF":            repo + "/.github/workflows/release.yml@refs/tags/" + tag,
		"GITHUB_RUN_ID":                  "42",
		"GITHUB_RUN_ATTEMPT":             "1",
		"RUNNER_OS":                      "Linux",
		"RUNNER_ARCH":                    "X64",
		"ACTIONS_ID_TOKEN_REQUEST_URL":   actions.URL + "/token",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "runtime",
		"SIGSTORE_ID_TOKEN":              "",
		"FERROSEAL_SIGNING_CONFIG":       s.SigningConfig,
		"FERROSEAL_TRUSTED_ROOT":         s.TrustedRoot,
		"SOURCE_DATE_EPOCH":              "",
	}
	for k, v := range wf.Env {
		env[k] = v
	}
	env["OIDC_ISSUER"] = s.GitHubIssuer // the one issuer that differs from GitHub's in this simulation
	values := map[string]string{"github.token": "unused", "github.action_path": testenv.RepoRoot(t)}

	ran := 0
	for _, st := range steps {
		stepEnv := map[string]string{}
		for k, v := range env {
			stepEnv[k] = v
		}
		for k, v := range st.Env {
			stepEnv[k] = resolve(v, values)
		}
		switch {
		case st.Uses == "ferroseal/ferroseal@v1":
			inputs := map[string]string{}
			for k, in := range action.Inputs {
				values["inputs."+k] = in.Default
				inputs[k] = in.Default
			}
			for k, v := range st.With {
				values["inputs."+k] = v
			}
			for _, as := range action.Runs.Steps {
				if as.Run == "" || installsOrPublishes(as.Run) {
					continue
				}
				aEnv := map[string]string{}
				for k, v := range stepEnv {
					aEnv[k] = v
				}
				for k, v := range as.Env {
					aEnv[k] = resolve(v, values)
				}
				t.Logf("action step %q", as.Name)
				runScript(t, as.Name, ws, as.Run, aEnv)
				ran++
			}
		case st.Uses != "" || st.Run == "" || installsOrPublishes(st.Run):
			continue
		default:
			t.Logf("step %q", st.Name)
			runScript(t, st.Name, ws, st.Run, stepEnv)
			if strings.Contains(st.Run, "ferroseal") {
				ran++
			}
		}
	}
	if ran < 3 {
		t.Fatalf("only %d ferroseal steps ran", ran)
	}
	dist := filepath.Join(ws, "dist")
	for _, f := range []string{"ws-app", "ws-app.cdx.json", "ws-app.spdx.json", "ws-app.intoto.jsonl", "SHA256SUMS"} {
		if _, err := os.Stat(filepath.Join(dist, f)); err != nil {
			t.Errorf("release output: %v", err)
		}
	}
	// A user who downloaded the release runs examples/verify.sh.
	verifyEnv := map[string]string{"PATH": env["PATH"], "OIDC_ISSUER": s.GitHubIssuer, "FERROSEAL_TRUSTED_ROOT": s.TrustedRoot}
	out := runScript(t, "verify.sh", dist, filepath.Join(testenv.RepoRoot(t), "examples", "verify.sh")+" ws-app "+repo+" "+tag, verifyEnv)
	if !strings.Contains(out, "Verified ws-app") || !strings.Contains(out, "SBOM lists exactly") {
		t.Errorf("verify.sh:\n%s", out)
	}
}

// TestGitLabPipelineExample runs every ferroseal command of examples/gitlab-ci/.gitlab-ci.yml in a simulated
// GitLab CI job, with the job's identity token in SIGSTORE_ID_TOKEN (GitLab's claims, certified by Fulcio with
// GitLab's extensions): the provenance names the pipeline that signs it as its builder.
func TestGitLabPipelineExample(t *testing.T) {
	s := requireStack(t)
	var pipeline map[string]struct {
		Variables    map[string]string `yaml:"variables"`
		BeforeScript []string          `yaml:"before_script"`
		Script       []string          `yaml:"script"`
		IDTokens     map[string]struct {
			Aud string `yaml:"aud"`
		} `yaml:"id_tokens"`
	}
	if err := yaml.Unmarshal(mustRead(t, filepath.Join(testenv.RepoRoot(t), "examples", "gitlab-ci", ".gitlab-ci.yml")), &pipeline); err != nil {
		t.Fatalf(".gitlab-ci.yml is not valid YAML: %v", err)
	}
	job, ok := pipeline["release"]
	if !ok || job.IDTokens["SIGSTORE_ID_TOKEN"].Aud != "sigstore" {
		t.Fatal("the release job must request SIGSTORE_ID_TOKEN with audience sigstore")
	}
	bin := buildFerroseal(t)
	ws := ciWorkspace(t)
	commit := strings.TrimSpace(runScript(t, "rev-parse", ws, "git rev-parse HEAD", nil))
	token, err := s.GitLabJobToken(sigstack.GitLabJob{ProjectPath: "ferroseal/example", Ref: "v0.3.1", Tag: true, Sha: commit})
	if err != nil {
		t.Fatal(err)
	}
	env := map[string]string{
		"PATH":                           bin + ":" + filepath.Join(testenv.RepoRoot(t), ".tools", "cargo-auditable", "bin") + ":" + os.Getenv("PATH"),
		"GITLAB_CI":                      "true",
		"CI_SERVER_URL":                  "https://gitlab.com",
		"CI_PROJECT_URL":                 "https://gitlab.com/ferroseal/example",
		"CI_SERVER_HOST":                 "gitlab.com",
		"CI_PROJECT_PATH":                "ferroseal/example",
		"CI_CONFIG_PATH":                 ".gitlab-ci.yml",
		"CI_COMMIT_TAG":                  "v0.3.1",
		"CI_COMMIT_SHA":                  commit,
		"CI_JOB_URL":                     "https://gitlab.com/ferroseal/example/-/jobs/7",
		"CI_RUNNER_ID":                   "12",
		"CI_PIPELINE_ID":                 "99",
		"SIGSTORE_ID_TOKEN":              token,
		"ACTIONS_ID_TOKEN_REQUEST_URL":   "",
		"ACTIONS_ID_TOKEN_REQUEST_TOKEN": "",
		"GITHUB_ACTIONS":                 "",
		"FERROSEAL_SIGNING_CONFIG":       s.SigningConfig,
		"FERROSEAL_TRUSTED_ROOT":         s.TrustedRoot,
		"SOURCE_DATE_EPOCH":              "",
	}
	// GitLab expands variables that name others; the shell does the same here.
	for k, v := range job.Variables {
		env[k] = os.Expand(v, func(name string) string { return env[name] })
	}
	env["OIDC_ISSUER"] = s.GitLabIssuer
	ran := 0
	for _, line := range job.Script {
		if installsOrPublishes(line) {
			continue
		}
		runScript(t, line, ws, line, env)
		if strings.Contains(line, "ferroseal") {
			ran++
		}
	}
	if ran < 3 {
		t.Fatalf("only %d ferroseal commands ran", ran)
	}
	// The provenance says GitLab built it.
	var prov map[string]any
	data := mustRead(t, filepath.Join(ws, "provenance.intoto.json"))
	json.Unmarshal(data, &prov)
	builder := prov["predicate"].(map[string]any)["runDetails"].(map[string]any)["builder"].(map[string]any)["id"]
	if builder != env["SIGNER_IDENTITY"] || builder != "https://gitlab.com/ferroseal/example//.gitlab-ci.yml@refs/tags/v0.3.1" {
		t.Errorf("builder %v", builder)
	}
	sc := bufio.NewScanner(strings.NewReader(string(mustRead(t, filepath.Join(ws, "dist", "ws-app.intoto.jsonl")))))
	lines := 0
	for sc.Scan() {
		lines++
	}
	if lines != 3 {
		t.Errorf("ws-app.intoto.jsonl has %d lines, want 3 (CycloneDX, SPDX, provenance)", lines)
	}
}
