package binary_test

import (
	"fmt"

	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/binary"
)

func ExampleReadFile() {
	res, err := binary.ReadFile("../auditable/testdata/bin/universal-darwin.macho", binary.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	doc := res.Doc
	fmt.Println(doc.Subject.Name, doc.Subject.Version, len(doc.Components), "crates")
	for _, p := range doc.Properties {
		if p.Name == sbom.PropArchitecture {
			fmt.Println("slice", p.Value)
		}
	}
	fmt.Println(doc.Component("pkg:cargo/serde_derive@1.0.152").Scope)
	// Output:
	// universal-darwin.macho 0.3.1 13 crates
	// slice aarch64
	// slice x86_64
	// build
}
