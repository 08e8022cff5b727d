package provenance_test

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/ferroseal/ferroseal/provenance"
)

func ExampleParseCargoArgs() {
	b := provenance.ParseCargoArgs([]string{"cargo", "auditable", "build", "--release", "--target", "aarch64-unknown-linux-gnu", "-F", "tls,cli"})
	fmt.Println(b.Profile, b.Target, b.Features)
	// Output: release aarch64-unknown-linux-gnu [cli tls]
}

func ExamplePredicate() {
	facts := provenance.Facts{
		Source: provenance.Source{URI: "git+https://github.com/o/r", Ref: "refs/tags/v1.0.0", Commit: "0123456789abcdef0123456789abcdef01234567"},
		Build:  provenance.ParseCargoArgs([]string{"cargo", "build", "--release"}),
		CI: provenance.DetectCI(func(k string) (string, bool) {
			v, ok := map[string]string{"GITHUB_ACTIONS": "true", "GITHUB_REPOSITORY": "o/r", "GITHUB_RUN_ID": "7",
				"GITHUB_WORKFLOW_REF": "o/r/.github/workflows/release.yml@refs/tags/v1.0.0"}[k]
			return v, ok
		}),
		StartedOn: time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC),
	}
	pred, err := provenance.Predicate(facts)
	if err != nil {
		fmt.Println(err)
		return
	}
	var p struct {
		BuildDefinition struct {
			ResolvedDependencies []struct{ URI string } `json:"resolvedDependencies"`
		} `json:"buildDefinition"`
		RunDetails struct {
			Builder  struct{ ID string }           `json:"builder"`
			Metadata struct{ InvocationID string } `json:"metadata"`
		} `json:"runDetails"`
	}
	json.Unmarshal(pred, &p)
	fmt.Println(p.RunDetails.Builder.ID)
	fmt.Println(p.RunDetails.Metadata.InvocationID)
	fmt.Println(p.BuildDefinition.ResolvedDependencies[0].URI)
	// Output:
	// https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.0.0
	// https://github.com/o/r/actions/runs/7/attempts/1
	// git+https://github.com/o/r@refs/tags/v1.0.0
}
