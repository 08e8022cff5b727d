package provenance

import (
	"context"
	"path/filepath"
	"strings"
	"time"

	"github.com/ferroseal/ferroseal/attest"
)

// StatementOptions say what a provenance statement is about and where its facts come from.
type StatementOptions struct {
	// ManifestPath is the Cargo.toml built; "" means ./Cargo.toml.
	ManifestPath string
	// Lookup reads the environment for the CI run (os.LookupEnv).
	Lookup func(string) (string, bool)
	// Build is what was asked of cargo (ParseCargoArgs), when known.
	Build Build
	// Artifacts are the files built: the statement's subjects, by SHA-256 and SHA-512. Two with one base name are
	// named by their paths.
	Artifacts []string
	// Byproducts are files made along with them (SBOMs), recorded with their digests.
	Byproducts []string
	// StartedOn and FinishedOn are when the build ran, when known.
	StartedOn, FinishedOn time.Time
	// ToolVersion is the version of the program recording the build.
	ToolVersion string
	// BuilderID, when set, is the builder instead of the one the CI's environment names: the workflow that holds a
	// keyless signing identity, as its certificate names it.
	BuilderID string
}

// Statement gathers a build's facts (Gather) and makes the in-toto statement of its provenance about the
// artifacts: the unsigned build record that package attest signs.
func Statement(ctx context.Context, o StatementOptions) (*attest.Statement, error) {
	facts, err := Gather(ctx, GatherOptions{ManifestPath: o.ManifestPath, Lookup: o.Lookup, Build: o.Build})
	if err != nil {
		return nil, err
	}
	facts.ToolVersion = o.ToolVersion
	facts.StartedOn, facts.FinishedOn = o.StartedOn, o.FinishedOn
	if o.BuilderID != "" {
		facts.CI.BuilderID = o.BuilderID
	}
	for _, b := range o.Byproducts {
		d, err := attest.DigestFile(b, "sha256")
		if err != nil {
			return nil, err
		}
		facts.Byproducts = append(facts.Byproducts, Artifact{Name: filepath.Base(b), Digest: d, MediaType: MediaTypeOf(b)})
	}
	pred, err := Predicate(facts)
	if err != nil {
		return nil, err
	}
	subjects, err := Subjects(o.Artifacts)
	if err != nil {
		return nil, err
	}
	return attest.NewStatement(subjects, attest.PredicateSLSAProvenance1, pred)
}

// Subjects digests artifacts (SHA-256 and SHA-512) as statement subjects, named by their base names; two with one
// base name are named by their paths.
func Subjects(paths []string) ([]attest.Subject, error) {
	seen := map[string]int{}
	for _, p := range paths {
		seen[filepath.Base(p)]++
	}
	var out []attest.Subject
	for _, p := range paths {
		d, err := attest.DigestFile(p, "sha256", "sha512")
		if err != nil {
			return nil, err
		}
		name := filepath.Base(p)
		if seen[name] > 1 {
			name = filepath.ToSlash(p)
		}
		out = append(out, attest.Subject{Name: name, Digest: d})
	}
	return out, nil
}

// MediaTypeOf names the media type of an SBOM file by its extension, or "".
func MediaTypeOf(path string) string {
	switch {
	case strings.HasSuffix(path, ".cdx.json"):
		return "application/vnd.cyclonedx+json"
	case strings.HasSuffix(path, ".cdx.xml"):
		return "application/vnd.cyclonedx+xml"
	case strings.HasSuffix(path, ".spdx.json"):
		return "application/spdx+json"
	case strings.HasSuffix(path, ".spdx"):
		return "text/spdx"
	}
	return ""
}
