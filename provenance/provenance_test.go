package provenance

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	slsa "github.com/in-toto/attestation/go/predicates/provenance/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/cargo"
)

var update = flag.Bool("update", false, "rewrite the golden files")

func env(m map[string]string) func(string) (string, bool) {
	return func(k string) (string, bool) { v, ok := m[k]; return v, ok }
}

var githubEnv = map[string]string{
	"GITHUB_ACTIONS":             "true",
	"GITHUB_SERVER_URL":          "https://github.com",
	"GITHUB_REPOSITORY":          "ferroseal/example",
	"GITHUB_REPOSITORY_ID":       "123456",
	"GITHUB_REPOSITORY_OWNER_ID": "7890",
	"GITHUB_SHA":                 "0123456789abcdef0123456789abcdef01234567",
	"GITHUB_REF":                 "refs/tags/v1.2.0",
	"GITHUB_WORKFLOW_REF":        "ferroseal/example/.github/workflows/release.yml@refs/tags/v1.2.0",
	"GITHUB_WORKFLOW_SHA":        "0123456789abcdef0123456789abcdef01234567",
	"GITHUB_RUN_ID":              "4242",
	"GITHUB_RUN_ATTEMPT":         "2",
	"GITHUB_EVENT_NAME":          "push",
	"RUNNER_OS":                  "Linux",
	"RUNNER_ARCH":                "X64",
	"RUNNER_ENVIRONMENT":         "github-hosted",
}

var gitlabEnv = map[string]string{
	"GITLAB_CI":          "true",
	"CI_SERVER_URL":      "https://gitlab.com",
	"CI_PROJECT_URL":     "https://gitlab.com/ferroseal/example",
	"CI_PROJECT_ID":      "55",
	"CI_COMMIT_SHA":      "89abcdef0123456789abcdef0123456789abcdef",
	"CI_COMMIT_BRANCH":   "main",
	"CI_COMMIT_REF_NAME": "main",
	"CI_PIPELINE_ID":     "1001",
	"CI_PIPELINE_SOURCE": "push",
	"CI_JOB_ID":          "2002",
	"CI_JOB_NAME":        "release",
	"CI_JOB_URL":         "https://gitlab.com/ferroseal/example/-/jobs/2002",
	"CI_RUNNER_ID":       "12270",
	"CI_RUNNER_VERSION":  "17.5.0",
	"CI_CONFIG_PATH":     ".gitlab-ci.yml",
}

func facts(t *testing.T, lookup func(string) (string, bool)) Facts {
	t.Helper()
	lf, err := cargo.ReadLockfileFile("../examples/workspace/Cargo.lock")
	if err != nil {
		t.Fatal(err)
	}
	ci := DetectCI(lookup)
	src := ci.Source
	if ci.System == "local" {
		src = Source{URI: "git+https://github.com/ferroseal/example", Ref: "refs/heads/main", Commit: "fedcba9876543210fedcba9876543210fedcba98", Dirty: true}
	}
	ci.Internal = fixedLocal(ci.Internal)
	build := ParseCargoArgs([]string{"cargo", "auditable", "build", "--release", "--locked", "--features", "logging,extra", "-F", "extra", "--target", "x86_64-unknown-linux-musl"})
	build.ManifestPath = "Cargo.toml"
	return Facts{
		Source:      src,
		Build:       build,
		CI:          ci,
		Lockfile:    lf,
		Rustc:       &cargo.Rustc{Version: "rustc 1.95.0 (59807616e 2026-04-14)", Release: "1.95.0", CommitHash: "59807616e1fa2540724bfbac14d7976d7e4a3860", CommitDate: "2026-04-14", Host: "x86_64-unknown-linux-gnu", LLVM: "22.1.2"},
		ToolVersion: "v1.0.0",
		StartedOn:   time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		FinishedOn:  time.Date(2026, 1, 2, 3, 9, 6, 999, time.UTC),
		Byproducts:  []Artifact{{Name: "ws-app.cdx.json", Digest: map[string]string{"sha256": "ab" + string(bytes.Repeat([]byte("0"), 62))}, MediaType: "application/vnd.cyclonedx+json"}},
	}
}

// fixedLocal pins the local machine's os and arch, so that the golden file does not depend on where tests run.
func fixedLocal(m map[string]any) map[string]any {
	if _, ok := m["local"]; ok {
		return map[string]any{"local": map[string]any{"os": "linux", "arch": "amd64"}}
	}
	return m
}

// TestGoldenPredicates writes the predicates of a simulated GitHub Actions run, a simulated GitLab CI run and a
// local run, compares them with the golden files, and checks them with the in-toto attestation library.
func TestGoldenPredicates(t *testing.T) {
	for name, lookup := range map[string]func(string) (string, bool){
		"github-actions": env(githubEnv),
		"gitlab-ci":      env(gitlabEnv),
		"local":          env(nil),
	} {
		t.Run(name, func(t *testing.T) {
			pred, err := Predicate(facts(t, lookup))
			if err != nil {
				t.Fatal(err)
			}
			var p slsa.Provenance
			if err := protojson.Unmarshal(pred, &p); err != nil {
				t.Fatalf("the in-toto provenance types cannot read it: %v", err)
			}
			if err := p.Validate(); err != nil {
				t.Fatalf("the in-toto provenance types reject it: %v", err)
			}
			var pretty bytes.Buffer
			json.Indent(&pretty, pred, "", "  ")
			pretty.WriteByte('\n')
			path := filepath.Join("testdata", name+".json")
			if *update {
				os.MkdirAll("testdata", 0o755)
				os.WriteFile(path, pretty.Bytes(), 0o644)
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(string(want), pretty.String()); diff != "" {
				t.Errorf("%s differs (-golden +got):\n%s", path, diff)
			}
			again, _ := Predicate(facts(t, lookup))
			if !bytes.Equal(again, pred) {
				t.Error("two predicates from the same facts differ")
			}
		})
	}
}

// TestResolvedDependenciesMatchLockfile: every non-local crate of Cargo.lock, and nothing else, with its checksum.
func TestResolvedDependenciesMatchLockfile(t *testing.T) {
	lf, err := cargo.ReadLockfileFile("../examples/big-app/Cargo.lock")
	if err != nil {
		t.Fatal(err)
	}
	deps := CrateDependencies(lf)
	want := map[string]string{}
	for _, p := range lf.Packages {
		if p.Source != "" {
			want[sbom.PURL(p.Name, p.Version, cargo.ParseSource(p.Source))] = p.Checksum
		}
	}
	got := map[string]string{}
	for _, d := range deps {
		got[d.GetUri()] = d.GetDigest()["sha256"]
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("resolved dependencies differ from Cargo.lock (-lock +provenance):\n%s", diff)
	}
	if len(deps) < 200 {
		t.Errorf("%d resolved crates, want the 200+ of big-app", len(deps))
	}
}

func TestParseCargoArgs(t *testing.T) {
	tests := []struct {
		argv []string
		want Build
	}{
		{argv: []string{"cargo", "build"}, want: Build{Profile: "dev"}},
		{argv: []string{"cargo", "auditable", "build", "--release", "--target=aarch64-apple-darwin", "--all-features"},
			want: Build{Profile: "release", Target: "aarch64-apple-darwin", AllFeatures: true}},
		{argv: []string{"cargo", "build", "--profile", "dist", "-F", "b,a", "--features=c", "--no-default-features", "--manifest-path", "app/Cargo.toml"},
			want: Build{Profile: "dist", Features: []string{"a", "b", "c"}, NoDefaultFeatures: true, ManifestPath: "app/Cargo.toml"}},
		{argv: []string{"cargo", "rustc", "-r", "--", "--target", "ignored"}, want: Build{Profile: "release"}},
	}
	for _, tt := range tests {
		got := ParseCargoArgs(tt.argv)
		got.Command = nil
		if diff := cmp.Diff(tt.want, got); diff != "" {
			t.Errorf("%v (-want +got):\n%s", tt.argv, diff)
		}
	}
}

func TestCleanRemote(t *testing.T) {
	for in, want := range map[string]string{
		"git@github.com:o/r.git":                           "git+https://github.com/o/r",
		"https://x-access-token:ghs_secret@github.com/o/r": "git+https://github.com/o/r",
		"ssh://git@gitlab.example.com:22/g/p.git":          "git+https://gitlab.example.com/g/p",
		"https://gitlab.com/g/sub/p":                       "git+https://gitlab.com/g/sub/p",
		"/home/me/repo":                                    "",
		"file:///home/me/repo":                             "",
		"":                                                 "",
	} {
		if got := cleanRemote(in); got != want {
			t.Errorf("cleanRemote(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestDetectCI(t *testing.T) {
	gh := DetectCI(env(githubEnv))
	if gh.System != "github-actions" || gh.BuilderID != "https://github.com/ferroseal/example/.github/workflows/release.yml@refs/tags/v1.2.0" ||
		gh.InvocationID != "https://github.com/ferroseal/example/actions/runs/4242/attempts/2" || gh.Source.Ref != "refs/tags/v1.2.0" {
		t.Errorf("github: %+v", gh)
	}
	gl := DetectCI(env(gitlabEnv))
	if gl.System != "gitlab-ci" || gl.BuilderID != "https://gitlab.com/ferroseal/example//.gitlab-ci.yml@refs/heads/main" || gl.Source.Ref != "refs/heads/main" {
		t.Errorf("gitlab: %+v", gl)
	}
	tagged := map[string]string{}
	for k, v := range gitlabEnv {
		tagged[k] = v
	}
	tagged["CI_COMMIT_TAG"] = "v2.0.0"
	if got := DetectCI(env(tagged)).Source.Ref; got != "refs/tags/v2.0.0" {
		t.Errorf("gitlab tag ref %q", got)
	}
	if local := DetectCI(env(map[string]string{"GITHUB_ACTIONS": "false"})); local.BuilderID != LocalBuilderID {
		t.Errorf("local: %+v", local)
	}
}

// Every predicate has runDetails.metadata, which consumers (GUAC) require: with the build's times, else
// SOURCE_DATE_EPOCH's, else empty; a SOURCE_DATE_EPOCH that is not a time is an error, not a silent omission.
func TestMetadataAlwaysThere(t *testing.T) {
	metadata := func(f Facts) map[string]any {
		t.Helper()
		pred, err := Predicate(f)
		if err != nil {
			t.Fatal(err)
		}
		var p struct {
			RunDetails map[string]json.RawMessage `json:"runDetails"`
		}
		if err := json.Unmarshal(pred, &p); err != nil {
			t.Fatal(err)
		}
		raw, ok := p.RunDetails["metadata"]
		if !ok {
			t.Fatalf("runDetails has no metadata: %s", pred)
		}
		var m map[string]any
		json.Unmarshal(raw, &m)
		return m
	}
	f := facts(t, env(nil))
	f.StartedOn, f.FinishedOn = time.Time{}, time.Time{}
	if m := metadata(f); len(m) != 0 {
		t.Errorf("a local build without times: metadata %v, want {}", m)
	}
	f.SourceDate = time.Unix(1767225600, 0)
	if m := metadata(f); m["startedOn"] != "2026-01-01T00:00:00Z" || m["finishedOn"] != "2026-01-01T00:00:00Z" {
		t.Errorf("with SOURCE_DATE_EPOCH: %v", m)
	}
	f.StartedOn = time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	if m := metadata(f); m["startedOn"] != "2026-03-01T00:00:00Z" || m["finishedOn"] != nil {
		t.Errorf("the build's own time gives way to SOURCE_DATE_EPOCH: %v", m)
	}
	gh := facts(t, env(githubEnv))
	gh.StartedOn, gh.FinishedOn = time.Time{}, time.Time{}
	if m := metadata(gh); m["invocationId"] != "https://github.com/ferroseal/example/actions/runs/4242/attempts/2" {
		t.Errorf("GitHub Actions: %v", m)
	}

	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "Cargo.toml"), []byte("[package]\nname = \"a\"\nversion = \"0.1.0\"\n"), 0o644)
	got, err := Gather(context.Background(), GatherOptions{ManifestPath: filepath.Join(dir, "Cargo.toml"), NoWorkspacePrograms: true,
		Lookup: env(map[string]string{"SOURCE_DATE_EPOCH": "1767225600"})})
	if err != nil || !got.SourceDate.Equal(time.Unix(1767225600, 0)) {
		t.Errorf("Gather with SOURCE_DATE_EPOCH: %v, %v", got.SourceDate, err)
	}
	for _, bad := range []string{"yesterday", "-1", "1e9", "99999999999999"} {
		_, err := Gather(context.Background(), GatherOptions{ManifestPath: filepath.Join(dir, "Cargo.toml"), NoWorkspacePrograms: true,
			Lookup: env(map[string]string{"SOURCE_DATE_EPOCH": bad})})
		if err == nil || !strings.Contains(err.Error(), "SOURCE_DATE_EPOCH") {
			t.Errorf("SOURCE_DATE_EPOCH=%s: %v", bad, err)
		}
	}
}
