package attest

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
)

func TestVersionedTag(t *testing.T) {
	for _, tc := range []struct {
		want, ref string
		tags      []string
		ok        bool
	}{
		{"v1", "refs/tags/v1.4.2", nil, true},
		{"v1.4", "refs/tags/v1.4.2", nil, true},
		{"v1.4.2", "refs/tags/v1.4.2", nil, true},
		{"v1.4.2", "refs/tags/v1.4.2+build.7", nil, true},
		{"v1.4", "refs/tags/v1.4", nil, true}, // v1.4 is v1.4.0
		{"v1.4.0", "refs/tags/v1.4", nil, true},
		{"v1.4.2-rc.1", "refs/tags/v1.4.2-rc.1", nil, true},
		{"v1.4.2", "refs/tags/v1.4.2-rc.1", nil, false},
		{"v1.5", "refs/tags/v1.4.2", nil, false},
		{"v2", "refs/tags/v1.4.2", nil, false},
		{"v1.4.3", "refs/tags/v1.4.2", nil, false},
		{"v1", "refs/heads/main", []string{"v1.0.1"}, true}, // a tag recorded at the commit
		{"v1", "refs/heads/main", []string{"release-1"}, false},
		{"v1", "refs/tags/1.4.2", nil, false}, // no "v": not a semantic version tag
		{"v1", "refs/tags/v01.4.2", nil, false},
	} {
		got := versionedTagMatches(tc.want, &ProvenanceResult{SourceRef: tc.ref, SourceTags: tc.tags})
		if got != tc.ok {
			t.Errorf("%s against %s %v: %v, want %v", tc.want, tc.ref, tc.tags, got, tc.ok)
		}
	}
	for _, bad := range []string{"1.2", "v", "v1.2.3.4", "v1.x", "v1.02", "v1.2-rc", "v1.2.3-", ""} {
		if _, ok := parseVersion(bad); ok && bad != "" {
			t.Errorf("%q parsed as a version", bad)
		}
		p := &ProvenancePolicy{SourceVersionedTag: bad}
		if bad != "" && !errors.Is(p.Validate(), ErrPolicy) {
			t.Errorf("%q: a policy error", bad)
		}
	}
}

func pred(buildType, builder, ext, commit string) []byte {
	deps := ""
	if commit != "" {
		deps = `,"resolvedDependencies":[{"uri":"git+https://github.com/o/r@refs/tags/v1","digest":{"gitCommit":"` + commit + `"}}]`
	}
	return []byte(`{"buildDefinition":{"buildType":"` + buildType + `","externalParameters":` + ext + deps + `},"runDetails":{"builder":{"id":"` + builder + `"}}}`)
}

// TestBuilderBinding: a CI certificate binds the builder (and the commit) a statement may name.
func TestBuilderBinding(t *testing.T) {
	const signer = "https://github.com/o/builder/.github/workflows/build.yml@refs/tags/v1"
	const commit = "0123456789abcdef0123456789abcdef01234567"
	cert := &certificate.Summary{SubjectAlternativeName: signer, Extensions: certificate.Extensions{BuildSignerURI: signer,
		BuildConfigURI: "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1", RunnerEnvironment: "github-hosted", SourceRepositoryDigest: commit}}
	gh := `{"workflow":{"repository":"https://github.com/o/r","path":".github/workflows/release.yml","ref":"refs/tags/v1"}}`
	for _, tc := range []struct {
		name string
		pred []byte
		cert *certificate.Summary
		ok   bool
	}{
		{"ours, the signer", pred("https://example.com/cargo", signer, "{}", commit), cert, true},
		{"ours, no commit", pred("https://example.com/cargo", signer, "{}", ""), cert, true},
		{"ours, another builder", pred("https://example.com/cargo", "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1", "{}", commit), cert, false},
		{"ours, the signer without its ref", pred("https://example.com/cargo", strings.TrimSuffix(signer, "@refs/tags/v1"), "{}", commit), cert, false},
		{"ours, another commit", pred("https://example.com/cargo", signer, "{}", strings.Repeat("f", 40)), cert, false},
		{"GitHub's, the runner and workflow", pred(BuildTypeGitHubWorkflow, GitHubRunnerBuilderPrefix+"github-hosted", gh, commit), cert, true},
		{"GitHub's newer type", pred(BuildTypeGitHubActionsWorkflow, GitHubRunnerBuilderPrefix+"github-hosted", gh, commit), cert, true},
		{"GitHub's, another runner kind", pred(BuildTypeGitHubWorkflow, GitHubRunnerBuilderPrefix+"self-hosted", gh, commit), cert, false},
		{"GitHub's, the signer as builder", pred(BuildTypeGitHubWorkflow, signer, gh, commit), cert, false},
		{"GitHub's, another workflow", pred(BuildTypeGitHubWorkflow, GitHubRunnerBuilderPrefix+"github-hosted", strings.Replace(gh, "release.yml", "other.yml", 1), commit), cert, false},
		{"GitHub's, no workflow", pred(BuildTypeGitHubWorkflow, GitHubRunnerBuilderPrefix+"github-hosted", "{}", commit), cert, false},
	} {
		bound, err := BuilderBinding(tc.pred, tc.cert)
		if tc.ok != (err == nil) || (err == nil && !bound) || (err != nil && !errors.Is(err, ErrBuilderNotSigner)) {
			t.Errorf("%s: bound %v, %v", tc.name, bound, err)
		}
	}
	// An e-mail identity, or a key, binds nothing.
	if bound, err := BuilderBinding(pred("x", "anything", "{}", ""), &certificate.Summary{SubjectAlternativeName: "a@example.com"}); bound || err != nil {
		t.Errorf("e-mail certificate: %v %v", bound, err)
	}
	if bound, err := BuilderBinding(pred("x", "anything", "{}", ""), nil); bound || err != nil {
		t.Errorf("no certificate: %v %v", bound, err)
	}
}

func TestBuilderIDWithoutRef(t *testing.T) {
	for _, tc := range []struct {
		got, want string
		ok        bool
	}{
		{"https://h/o/r/w.yml@refs/tags/v1", "https://h/o/r/w.yml", true},
		{"https://h/o/r/w.yml@refs/tags/v1", "https://h/o/r/w.yml@refs/tags/v1", true},
		{"https://h/o/r/w.yml@refs/tags/v1", "https://h/o/r/w.yml@refs/tags/v2", false},
		{"https://h/o/r/w.yml2@refs/tags/v1", "https://h/o/r/w.yml", false},
		{"https://h/o/r/w.yml", "https://h/o/r/w.y", false},
	} {
		if got := sameBuilder(tc.got, tc.want); got != tc.ok {
			t.Errorf("sameBuilder(%s, %s) = %v", tc.got, tc.want, got)
		}
	}
}

// TestSignerRegexp: a signer workflow or repository matches its own workflows' SANs and no lookalike.
func TestSignerRegexp(t *testing.T) {
	for _, tc := range []struct {
		workflow, repo, san string
		ok                  bool
	}{
		{"github.com/o/r/.github/workflows/release.yml", "", "https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1", true},
		{"o/r/.github/workflows/release.yml", "", "https://github.com/o/r/.github/workflows/release.yml@refs/heads/main", true},
		{"o/r/.github/workflows/release.yml", "", "https://github.com/o/r/.github/workflows/release.yml.evil@refs/tags/v1", false},
		{"o/r/.github/workflows/release.yml", "", "https://github.com/o/r/.github/workflows/release.yml", false},
		{"o/r/.github/workflows/release.yml", "", "https://github.com/o/r-evil/.github/workflows/release.yml@v1", false},
		{"o/r/.github/workflows/release.yml", "", "https://github.com.evil/o/r/.github/workflows/release.yml@v1", false},
		{"", "o/r", "https://github.com/o/r/.github/workflows/x.yml@refs/tags/v1", true},
		{"", "O/R", "https://github.com/o/r/.github/workflows/x.yml@refs/tags/v1", true},
		{"", "o/r", "https://github.com/o/r2/.github/workflows/x.yml@v1", false},
		{"", "o/r", "https://github.com/o/r", false},
		{"", "gitlab.com/g/p", "https://gitlab.com/g/p//.gitlab-ci.yml@refs/tags/v1", true},
		{"", "gitlab.com/g/p", "https://github.com/g/p/.github/workflows/x.yml@v1", false},
	} {
		re, _, err := signerRegexp(tc.workflow, tc.repo)
		if err != nil {
			t.Fatalf("%s%s: %v", tc.workflow, tc.repo, err)
		}
		if got := regexp.MustCompile("^(?:" + re + ")$").MatchString(tc.san); got != tc.ok {
			t.Errorf("%s%s against %s: %v", tc.workflow, tc.repo, tc.san, got)
		}
	}
}
