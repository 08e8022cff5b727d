package format_test

import (
	"fmt"

	"github.com/ferroseal/ferroseal/sbom/format"
)

func ExampleParse() {
	for _, s := range []string{"cyclonedx-json", "cyclonedx-xml@1.5", "spdx-json", "spdx-tag-value", "spdx3-json", "spdx-json@3.0.1", "yaml"} {
		f, err := format.Parse(s)
		if err != nil {
			fmt.Println("error:", err)
			continue
		}
		fmt.Println(f, f.Ext(), f.MediaType())
	}
	// Output:
	// cyclonedx-json .cdx.json application/vnd.cyclonedx+json
	// cyclonedx-xml@1.5 .cdx.xml application/vnd.cyclonedx+xml
	// spdx-json .spdx.json application/spdx+json
	// spdx-tag-value .spdx text/spdx
	// spdx3-json .spdx3.json application/spdx3+json
	// spdx3-json .spdx3.json application/spdx3+json
	// error: unknown SBOM format "yaml" (want one of cyclonedx-json, cyclonedx-xml, spdx-json, spdx-tag-value, spdx3-json)
}
