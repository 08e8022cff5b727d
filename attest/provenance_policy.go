package attest

import (
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"

	"github.com/ferroseal/ferroseal/internal/repourl"
)

// ProvenancePolicy is what SLSA provenance must say, modelled on slsa-verifier: every field set must match
// (source URIs name the same repository: same host, same path, whatever the form: a URL with or without "git+",
// ".git" and "@ref", git's scp-like user@host:path, or HOST/PATH).
type ProvenancePolicy struct {
	// BuilderID is runDetails.builder.id: exactly, or, given without "@", whatever the ref after the "@"
	// ("https://github.com/o/r/.github/workflows/w.yml" accepts w.yml@refs/tags/v1 and w.yml@refs/heads/main).
	BuilderID string
	// BuildType is buildDefinition.buildType.
	BuildType string
	// SourceURI is the source repository ("github.com/owner/repo", "git+https://gitlab.com/group/project").
	SourceURI string
	// SourceRef is the git ref built ("refs/tags/v1.2.0", "refs/heads/main"), exactly.
	SourceRef string
	// SourceTag is a tag of the commit built ("v1.2.0"): the ref built (refs/tags/TAG), or one of the tags the
	// provenance records as pointing at the commit when it was built (a branch whose head carries the tag).
	SourceTag string
	// SourceVersionedTag is a semantic version the tag built must carry, "vMAJOR[.MINOR[.PATCH[-PRE]]]", as
	// slsa-verifier reads it: the parts given must equal the tag's ("v1.2" accepts v1.2.0 and v1.2.7, not v1.3.0);
	// build metadata is ignored.
	SourceVersionedTag string
	// SourceDigest is the commit built (the source's gitCommit), exactly.
	SourceDigest string
	// WorkflowInputs are inputs the build must have been given (externalParameters.inputs), each exactly.
	WorkflowInputs map[string]string
}

// Empty reports whether the policy checks nothing.
func (p *ProvenancePolicy) Empty() bool {
	return p == nil || (p.BuilderID == "" && p.BuildType == "" && p.SourceURI == "" && p.SourceRef == "" && p.SourceTag == "" &&
		p.SourceVersionedTag == "" && p.SourceDigest == "" && len(p.WorkflowInputs) == 0)
}

// ErrNotProvenance is wrapped when a predicate of the SLSA Provenance v1 type is not SLSA Provenance v1.
var ErrNotProvenance = errors.New("not a SLSA Provenance v1 predicate")

// ErrBuilderNotSigner is wrapped when a provenance statement names a builder other than the one its signing
// certificate certifies.
var ErrBuilderNotSigner = errors.New("the provenance names a builder that did not sign it")

// ProvenanceResult is what a provenance predicate says, as the policy reads it.
type ProvenanceResult struct {
	BuilderID string `json:"builderId,omitempty"`
	BuildType string `json:"buildType,omitempty"`
	SourceURI string `json:"sourceUri,omitempty"`
	SourceRef string `json:"sourceRef,omitempty"`
	// SourceDigest is the commit built.
	SourceDigest string `json:"sourceDigest,omitempty"`
	// SourceTags are the tags recorded as pointing at the commit built.
	SourceTags []string `json:"sourceTags,omitempty"`
	// Inputs are the build's inputs (externalParameters.inputs), as strings.
	Inputs map[string]string `json:"inputs,omitempty"`
	// BoundToSigner says the builder was checked against the signing certificate (a CI workflow's identity).
	BoundToSigner bool `json:"boundToSigner,omitempty"`
}

// Build types of GitHub's own provenance (actions/attest-build-provenance): their builder is the runner kind
// (https://github.com/actions/runner/github-hosted), and the workflow that ran is an external parameter.
const (
	BuildTypeGitHubWorkflow        = "https://slsa-framework.github.io/github-actions-buildtypes/workflow/v1"
	BuildTypeGitHubActionsWorkflow = "https://actions.github.io/buildtypes/workflow/v1"
	// GitHubRunnerBuilderPrefix starts the builder id of GitHub's own provenance, followed by the runner kind.
	GitHubRunnerBuilderPrefix = "https://github.com/actions/runner/"
)

// slsaV1 is the part of a SLSA Provenance v1 predicate the policy reads.
type slsaV1 struct {
	BuildDefinition struct {
		BuildType          string         `json:"buildType"`
		ExternalParameters map[string]any `json:"externalParameters"`
		ResolvedDeps       []struct {
			URI         string            `json:"uri"`
			Digest      map[string]string `json:"digest"`
			Annotations struct {
				Tags []string `json:"tags"`
			} `json:"annotations"`
		} `json:"resolvedDependencies"`
	} `json:"buildDefinition"`
	RunDetails struct {
		Builder struct {
			ID string `json:"id"`
		} `json:"builder"`
	} `json:"runDetails"`
}

func parseSLSA(predicate []byte) (*slsaV1, error) {
	var p slsaV1
	if err := json.Unmarshal(predicate, &p); err != nil {
		return nil, fmt.Errorf("not a SLSA provenance v1 predicate: %v", err)
	}
	var nested struct {
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
	}
	if json.Unmarshal(predicate, &nested) == nil && nested.Type != "" && nested.PredicateType != "" {
		return nil, fmt.Errorf("%w: the predicate is a whole in-toto statement, not SLSA Provenance v1: the statement was signed as a predicate (sign a statement file as it is: ferroseal attest --predicate accepts it)", ErrNotProvenance)
	}
	if p.BuildDefinition.BuildType == "" || p.RunDetails.Builder.ID == "" {
		return nil, fmt.Errorf("%w: no buildDefinition.buildType or runDetails.builder.id", ErrNotProvenance)
	}
	return &p, nil
}

// str reads m[key] as a string, or "".
func str(m any, key string) string {
	if mm, ok := m.(map[string]any); ok {
		if s, ok := mm[key].(string); ok {
			return s
		}
	}
	return ""
}

// ReadProvenance extracts builder, build type, source, ref, commit and inputs from a SLSA Provenance v1
// predicate: ferroseal's own (externalParameters.source), GitHub's (externalParameters.workflow) and, failing
// both, the first resolved dependency with a git commit.
func ReadProvenance(predicate []byte) (*ProvenanceResult, error) {
	p, err := parseSLSA(predicate)
	if err != nil {
		return nil, err
	}
	r := &ProvenanceResult{BuilderID: p.RunDetails.Builder.ID, BuildType: p.BuildDefinition.BuildType}
	ext := p.BuildDefinition.ExternalParameters
	switch {
	case ext["source"] != nil:
		r.SourceURI, r.SourceRef = str(ext["source"], "uri"), str(ext["source"], "ref")
	case ext["workflow"] != nil:
		r.SourceURI, r.SourceRef = str(ext["workflow"], "repository"), str(ext["workflow"], "ref")
	}
	if in, ok := ext["inputs"].(map[string]any); ok {
		r.Inputs = map[string]string{}
		for k, v := range in {
			r.Inputs[k] = scalar(v)
		}
	}
	for _, d := range p.BuildDefinition.ResolvedDeps {
		if d.Digest["gitCommit"] != "" && strings.HasPrefix(d.URI, "git+") {
			// The source's: the first git dependency.
			r.SourceTags, r.SourceDigest = d.Annotations.Tags, d.Digest["gitCommit"]
			if r.SourceURI == "" {
				r.SourceURI = d.URI
				if i := strings.LastIndex(d.URI, "@"); i > strings.Index(d.URI, "://") && r.SourceRef == "" {
					r.SourceRef = d.URI[i+1:]
				}
			}
			break
		}
	}
	return r, nil
}

// scalar renders a JSON value as a workflow input's string: strings as they are, numbers and booleans as JSON
// writes them; anything else as its JSON.
func scalar(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case bool:
		return strconv.FormatBool(x)
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Check reads a provenance predicate and compares it with the policy. The error says every field that differs.
func (p *ProvenancePolicy) Check(predicate []byte) (*ProvenanceResult, error) {
	got, err := ReadProvenance(predicate)
	if err != nil {
		return nil, err
	}
	var diffs []string
	if p.BuilderID != "" && !sameBuilder(got.BuilderID, p.BuilderID) {
		diffs = append(diffs, fmt.Sprintf("builder %q, want %q", got.BuilderID, p.BuilderID))
	}
	if p.BuildType != "" && got.BuildType != p.BuildType {
		diffs = append(diffs, fmt.Sprintf("build type %q, want %q", got.BuildType, p.BuildType))
	}
	if p.SourceURI != "" && !repourl.Same(got.SourceURI, p.SourceURI) {
		diffs = append(diffs, fmt.Sprintf("source %q, want %q", got.SourceURI, p.SourceURI))
	}
	if p.SourceRef != "" && got.SourceRef != p.SourceRef {
		diffs = append(diffs, fmt.Sprintf("ref %q, want %q", got.SourceRef, p.SourceRef))
	}
	if tag := strings.TrimPrefix(p.SourceTag, "refs/tags/"); p.SourceTag != "" && got.SourceRef != "refs/tags/"+tag && !slices.Contains(got.SourceTags, tag) {
		diffs = append(diffs, fmt.Sprintf("ref %q with tags %q, want the tag %q", got.SourceRef, got.SourceTags, tag))
	}
	if p.SourceVersionedTag != "" && !versionedTagMatches(p.SourceVersionedTag, got) {
		diffs = append(diffs, fmt.Sprintf("ref %q with tags %q, want a tag of version %s", got.SourceRef, got.SourceTags, p.SourceVersionedTag))
	}
	if p.SourceDigest != "" && !strings.EqualFold(got.SourceDigest, p.SourceDigest) {
		diffs = append(diffs, fmt.Sprintf("source commit %q, want %q", got.SourceDigest, p.SourceDigest))
	}
	for _, k := range slices.Sorted(maps.Keys(p.WorkflowInputs)) {
		v, ok := got.Inputs[k]
		switch {
		case !ok:
			diffs = append(diffs, fmt.Sprintf("no input %q, want %q", k, p.WorkflowInputs[k]))
		case v != p.WorkflowInputs[k]:
			diffs = append(diffs, fmt.Sprintf("input %q is %q, want %q", k, v, p.WorkflowInputs[k]))
		}
	}
	if len(diffs) > 0 {
		return got, fmt.Errorf("provenance policy: %s", strings.Join(diffs, "; "))
	}
	return got, nil
}

// sameBuilder compares a builder id with the policy's: exactly, or without the ref when the policy gives none.
func sameBuilder(got, want string) bool {
	if got == want {
		return true
	}
	if strings.Contains(want, "@") {
		return false
	}
	base, _, ok := strings.Cut(got, "@")
	return ok && base == want
}

// Validate checks that the policy can be applied: a source URI must name a repository (a host and a path), a
// versioned tag must be a semantic version, a digest hexadecimal, an input named.
func (p *ProvenancePolicy) Validate() error {
	if p.SourceURI != "" {
		if _, err := repourl.Parse(p.SourceURI); err != nil {
			return fmt.Errorf("%w: source URI: %v", ErrPolicy, err)
		}
	}
	if p.SourceVersionedTag != "" {
		if _, ok := parseVersion(p.SourceVersionedTag); !ok {
			return fmt.Errorf("%w: versioned tag %q: want vMAJOR, vMAJOR.MINOR or vMAJOR.MINOR.PATCH[-PRERELEASE]", ErrPolicy, p.SourceVersionedTag)
		}
	}
	if p.SourceDigest != "" && !isHex(p.SourceDigest) {
		return fmt.Errorf("%w: source digest %q is not a hexadecimal commit id", ErrPolicy, p.SourceDigest)
	}
	for k := range p.WorkflowInputs {
		if k == "" {
			return fmt.Errorf("%w: a workflow input without a name", ErrPolicy)
		}
	}
	return nil
}

func isHex(s string) bool {
	if len(s) < 7 || len(s) > 64 {
		return false
	}
	for _, c := range s {
		if !strings.ContainsRune("0123456789abcdefABCDEF", c) {
			return false
		}
	}
	return true
}

// version is a parsed "vMAJOR[.MINOR[.PATCH[-PRE]]]"; parts counts the numbers given.
type version struct {
	nums  [3]string
	pre   string
	parts int
}

// parseVersion reads a version tag as slsa-verifier's semantic versions do: a leading "v", one to three numbers
// without leading zeros, a pre-release only after three, build metadata dropped.
func parseVersion(s string) (version, bool) {
	var v version
	rest, ok := strings.CutPrefix(s, "v")
	if !ok {
		return v, false
	}
	rest, _, _ = strings.Cut(rest, "+")
	rest, v.pre, _ = strings.Cut(rest, "-")
	parts := strings.Split(rest, ".")
	if len(parts) > 3 || (v.pre != "" && len(parts) != 3) {
		return v, false
	}
	for i, n := range parts {
		if n == "" || (len(n) > 1 && n[0] == '0') || strings.Trim(n, "0123456789") != "" {
			return v, false
		}
		v.nums[i] = n
	}
	v.parts = len(parts)
	if strings.HasSuffix(s, "-") || strings.Contains(s, "-+") {
		return v, false
	}
	return v, true
}

// versionedTagMatches reports whether the tag built, or a tag recorded at the commit, carries the version.
func versionedTagMatches(want string, got *ProvenanceResult) bool {
	w, ok := parseVersion(want)
	if !ok {
		return false
	}
	candidates := slices.Clone(got.SourceTags)
	if t, ok := strings.CutPrefix(got.SourceRef, "refs/tags/"); ok {
		candidates = append(candidates, t)
	}
	for _, c := range candidates {
		v, ok := parseVersion(c)
		if !ok {
			continue
		}
		for i := v.parts; i < 3; i++ {
			v.nums[i] = "0" // v1.2 is v1.2.0
		}
		match := v.nums[0] == w.nums[0]
		if w.parts >= 2 {
			match = match && v.nums[1] == w.nums[1]
		}
		if w.parts == 3 {
			match = match && v.nums[2] == w.nums[2] && v.pre == w.pre
		}
		if match {
			return true
		}
	}
	return false
}

// BuilderBinding checks a provenance predicate against the certificate that signed it, when the certificate is a
// CI workflow's (it carries a Build Signer URI): the statement may only name the builder that signed it.
//
//   - For GitHub's own provenance (its build types), the builder is the runner kind: it must be
//     https://github.com/actions/runner/ followed by the certificate's runner environment, and the workflow the
//     statement names (repository, path and ref) must be the certificate's Build Config URI.
//   - For any other build type (ferroseal's, slsa-github-generator's), builder.id must be the certificate's Build
//     Signer URI: the workflow that held the signing identity.
//
// In both cases a source commit the statement records must be the certificate's. A certificate without a Build
// Signer URI (an e-mail identity) binds nothing: bound is false.
func BuilderBinding(predicate []byte, cert *certificate.Summary) (bound bool, err error) {
	if cert == nil || cert.BuildSignerURI == "" {
		return false, nil
	}
	p, err := parseSLSA(predicate)
	if err != nil {
		return false, err
	}
	got, _ := ReadProvenance(predicate)
	builder := p.RunDetails.Builder.ID
	switch p.BuildDefinition.BuildType {
	case BuildTypeGitHubWorkflow, BuildTypeGitHubActionsWorkflow:
		want := GitHubRunnerBuilderPrefix + cert.RunnerEnvironment
		if cert.RunnerEnvironment == "" || builder != want {
			return false, fmt.Errorf("%w: builder %q, but the certificate's runner environment is %q", ErrBuilderNotSigner, builder, cert.RunnerEnvironment)
		}
		wf := p.BuildDefinition.ExternalParameters["workflow"]
		ran := strings.TrimSuffix(str(wf, "repository"), "/") + "/" + strings.TrimPrefix(str(wf, "path"), "/") + "@" + str(wf, "ref")
		if cert.BuildConfigURI == "" || ran != cert.BuildConfigURI {
			return false, fmt.Errorf("%w: the statement names the workflow %q, the certificate %q", ErrBuilderNotSigner, ran, cert.BuildConfigURI)
		}
	default:
		if builder != cert.BuildSignerURI {
			return false, fmt.Errorf("%w: builder %q, signed by %q", ErrBuilderNotSigner, builder, cert.BuildSignerURI)
		}
	}
	if got.SourceDigest != "" && cert.SourceRepositoryDigest != "" && !strings.EqualFold(got.SourceDigest, cert.SourceRepositoryDigest) {
		return false, fmt.Errorf("%w: the statement records the commit %s, the certificate %s", ErrBuilderNotSigner, got.SourceDigest, cert.SourceRepositoryDigest)
	}
	return true, nil
}

// NormalizeSourceURI reduces a repository reference to HOST/PATH: "git+https://github.com/o/r.git@refs/tags/v1",
// "git@github.com:o/r" and "github.com/o/r" all become "github.com/o/r". A reference that names no repository
// gives "".
func NormalizeSourceURI(s string) string {
	r, err := repourl.Parse(s)
	if err != nil {
		return ""
	}
	return r.String()
}
