package attest

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/ferroseal/ferroseal/internal/repourl"
)

// ProvenancePolicy is what SLSA provenance must say, modelled on slsa-verifier: every field set must match
// exactly (source URIs name the same repository: same host, same path, whatever the form: a URL with or
// without "git+", ".git" and "@ref", git's scp-like user@host:path, or HOST/PATH).
type ProvenancePolicy struct {
	// BuilderID is runDetails.builder.id.
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
}

// Empty reports whether the policy checks nothing.
func (p *ProvenancePolicy) Empty() bool {
	return p == nil || (p.BuilderID == "" && p.BuildType == "" && p.SourceURI == "" && p.SourceRef == "" && p.SourceTag == "")
}

// ErrNotProvenance is wrapped when a predicate of the SLSA Provenance v1 type is not SLSA Provenance v1.
var ErrNotProvenance = errors.New("not a SLSA Provenance v1 predicate")

// ProvenanceResult is what a provenance predicate says, as the policy reads it.
type ProvenanceResult struct {
	BuilderID string `json:"builderId,omitempty"`
	BuildType string `json:"buildType,omitempty"`
	SourceURI string `json:"sourceUri,omitempty"`
	SourceRef string `json:"sourceRef,omitempty"`
	// SourceTags are the tags recorded as pointing at the commit built.
	SourceTags []string `json:"sourceTags,omitempty"`
}

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

// ReadProvenance extracts builder, build type, source and ref from a SLSA Provenance v1 predicate: ferroseal's own
// (externalParameters.source), GitHub's (externalParameters.workflow) and, failing both, the first resolved
// dependency with a git commit.
func ReadProvenance(predicate []byte) (*ProvenanceResult, error) {
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
	r := &ProvenanceResult{BuilderID: p.RunDetails.Builder.ID, BuildType: p.BuildDefinition.BuildType}
	ext := p.BuildDefinition.ExternalParameters
	str := func(m any, key string) string {
		if mm, ok := m.(map[string]any); ok {
			if s, ok := mm[key].(string); ok {
				return s
			}
		}
		return ""
	}
	switch {
	case ext["source"] != nil:
		r.SourceURI, r.SourceRef = str(ext["source"], "uri"), str(ext["source"], "ref")
	case ext["workflow"] != nil:
		r.SourceURI, r.SourceRef = str(ext["workflow"], "repository"), str(ext["workflow"], "ref")
	}
	for _, d := range p.BuildDefinition.ResolvedDeps {
		if d.Digest["gitCommit"] != "" && strings.HasPrefix(d.URI, "git+") {
			r.SourceTags = d.Annotations.Tags // the source's: the first git dependency
			break
		}
	}
	if r.SourceURI == "" {
		for _, d := range p.BuildDefinition.ResolvedDeps {
			if d.Digest["gitCommit"] != "" && strings.HasPrefix(d.URI, "git+") {
				r.SourceURI = d.URI
				if i := strings.LastIndex(d.URI, "@"); i > strings.Index(d.URI, "://") && r.SourceRef == "" {
					r.SourceRef = d.URI[i+1:]
				}
				break
			}
		}
	}
	return r, nil
}

// Check reads a provenance predicate and compares it with the policy. The error says every field that differs.
func (p *ProvenancePolicy) Check(predicate []byte) (*ProvenanceResult, error) {
	got, err := ReadProvenance(predicate)
	if err != nil {
		return nil, err
	}
	var diffs []string
	if p.BuilderID != "" && got.BuilderID != p.BuilderID {
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
	if len(diffs) > 0 {
		return got, fmt.Errorf("provenance policy: %s", strings.Join(diffs, "; "))
	}
	return got, nil
}

// Validate checks that the policy can be applied: a source URI must name a repository (a host and a path).
func (p *ProvenancePolicy) Validate() error {
	if p.SourceURI != "" {
		if _, err := repourl.Parse(p.SourceURI); err != nil {
			return fmt.Errorf("%w: source URI: %v", ErrPolicy, err)
		}
	}
	return nil
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
