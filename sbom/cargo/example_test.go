package cargo_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/ferroseal/ferroseal/sbom/cargo"
)

func ExampleLockfileDocument() {
	lock := `version = 4

[[package]]
name = "app"
version = "0.1.0"
dependencies = ["itoa"]

[[package]]
name = "itoa"
version = "1.0.1"
source = "registry+https://github.com/rust-lang/crates.io-index"
checksum = "1aab8fc367588b89dcee83ab0fd66b72b50b72fa1904d7095045ace2b0c81c35"
`
	lf, err := cargo.ReadLockfile(strings.NewReader(lock))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	doc, err := cargo.LockfileDocument(lf, cargo.LockfileOptions{})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return
	}
	fmt.Println("subject:", doc.Subject.Name, doc.Subject.Version)
	for _, c := range doc.Components {
		fmt.Println(c.PURL(), c.Hashes[0].Algorithm, c.Hashes[0].Value[:12])
	}
	// Output:
	// subject: app 0.1.0
	// pkg:cargo/itoa@1.0.1 SHA-256 1aab8fc36758
}
