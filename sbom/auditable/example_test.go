package auditable_test

import (
	"errors"
	"fmt"

	"github.com/ferroseal/ferroseal/sbom/auditable"
)

func ExampleReadFile() {
	f, err := auditable.ReadFile("testdata/bin/padded-leb.wasm", auditable.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	p := f.Slices[0].Payload
	root := p.Packages[p.Root()]
	fmt.Println(f.Container, f.Slices[0].Arch, "format", p.Format, root.Name, root.Version, len(p.Packages), "packages")

	_, err = auditable.ReadFile("testdata/bin/no-section.elf", auditable.Options{})
	fmt.Println(errors.Is(err, auditable.ErrNotAuditable))
	// Output:
	// wasm wasm32 format 8 ws-app 0.3.1 13 packages
	// true
}
