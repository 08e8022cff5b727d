package sbom_test

import (
	"fmt"

	"github.com/ferroseal/ferroseal/sbom"
)

func ExamplePURL() {
	fmt.Println(sbom.PURL("serde", "1.0.152", sbom.Source{Kind: sbom.SourceCratesIO}))
	fmt.Println(sbom.PURL("serde", "1.0.152", sbom.Source{Kind: sbom.SourceGit, URL: "https://github.com/serde-rs/serde", Rev: "4b9fbd1"}))
	fmt.Printf("%q\n", sbom.PURL("my-crate", "0.1.0", sbom.Source{Kind: sbom.SourcePath}))
	// Output:
	// pkg:cargo/serde@1.0.152
	// pkg:cargo/serde@1.0.152?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fserde-rs%2Fserde%404b9fbd1
	// ""
}

func ExampleNormalizeLicense() {
	for _, l := range []string{"MIT/Apache-2.0", "apache-2.0 with llvm-exception", "Apache 2"} {
		expr, ok := sbom.NormalizeLicense(l)
		fmt.Printf("%q %v\n", expr, ok)
	}
	// Output:
	// "MIT OR Apache-2.0" true
	// "Apache-2.0 WITH LLVM-exception" true
	// "" false
}

func ExampleEnrich() {
	bin := &sbom.Document{
		Subject: sbom.Component{Ref: "artifact:app", Name: "app", DependsOn: []string{"git:helper@1.0.0"}},
		Components: []sbom.Component{
			{Ref: "git:helper@1.0.0", Name: "helper", Version: "1.0.0", Source: sbom.Source{Kind: sbom.SourceGit}, Scope: sbom.ScopeRuntime},
		},
	}
	lock := &sbom.Document{Subject: sbom.Component{Ref: "workspace:w", Name: "w"}, Components: []sbom.Component{
		{Ref: "x", Name: "helper", Version: "1.0.0", Source: sbom.Source{Kind: sbom.SourceGit, URL: "https://git.example/helper", Rev: "9f2c1e0"}},
	}}
	fmt.Println(len(sbom.Enrich(bin, lock)), "mismatches")
	fmt.Println(bin.Subject.DependsOn[0])
	// Output:
	// 0 mismatches
	// pkg:cargo/helper@1.0.0?vcs_url=git%2Bhttps:%2F%2Fgit.example%2Fhelper%409f2c1e0
}
