package testenv

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	spdxjson "github.com/spdx/tools-golang/json"
	spdx23 "github.com/spdx/tools-golang/spdx/v2/v2_3"
	spdx3 "github.com/spdx/tools-golang/spdx/v3/v3_0"
	"github.com/spdx/tools-golang/tagvalue"
)

// onlyIndividuals reports whether every error tools-golang's SPDX 3 validation gives is its false report that an
// individual (NoneElement, NoAssertionElement: IRIs, not nodes of the graph) lacks a creationInfo.
func onlyIndividuals(err error) bool {
	for _, line := range strings.Split(strings.TrimSpace(err.Error()), "\n") {
		if !strings.Contains(line, "<IndividualElement> .CreationInfo: required") {
			return false
		}
	}
	return true
}

var cyclonedxSchemaDir = sync.OnceValues(func() (string, error) {
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "github.com/CycloneDX/cyclonedx-go").Output()
	if err != nil {
		return "", err
	}
	return filepath.Join(strings.TrimSpace(string(out)), "schema"), nil
})

// ValidateSBOM checks an SBOM file with independent tools, chosen by its name: sbom-utility against the official
// JSON schemas (.cdx.json, .spdx.json; CycloneDX 1.7, which sbom-utility does not know, with the CycloneDX
// JavaScript library's strict validator), xmllint against the official XSD (.cdx.xml: specVersion 1.6 unless the
// file says otherwise). SPDX 3 (.spdx3.json) is read and validated by tools-golang's model, generated from the
// specification's SHACL. Tag-value (.spdx) is parsed back by tools-golang and compared with the SPDX JSON of the same
// name when there is one.
func ValidateSBOM(t testing.TB, path string) {
	t.Helper()
	switch {
	case strings.HasSuffix(path, ".spdx3.json"):
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		var d spdx3.Document
		if err := d.FromJSON(bytes.NewReader(data)); err != nil {
			t.Errorf("reading SPDX 3 %s: %v", path, err)
		} else if err := d.Validate(false); err != nil && !onlyIndividuals(err) {
			t.Errorf("SPDX 3 model validation of %s: %v", path, err)
		}
	case strings.HasSuffix(path, ".cdx.json") && cyclonedxVersion(t, path) == "1.7":
		out, err := exec.Command(Tool(t, "cdx-validate"), path, "1.7").CombinedOutput()
		if err != nil {
			t.Errorf("the CycloneDX JS library's strict validator on %s: %v\n%s", path, err, out)
		}
	case strings.HasSuffix(path, ".json"):
		out, err := exec.Command(Tool(t, "sbom-utility"), "validate", "-q", "-i", path).CombinedOutput()
		if err != nil {
			t.Errorf("sbom-utility validate %s: %v\n%s", path, err, out)
		}
	case strings.HasSuffix(path, ".xml"):
		dir, err := cyclonedxSchemaDir()
		if err != nil {
			t.Fatalf("finding the CycloneDX XSDs: %v", err)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		xsd := "bom-1.6.xsd"
		for _, v := range []string{"1.4", "1.5", "1.7"} {
			if bytes.Contains(data, []byte("http://cyclonedx.org/schema/bom/"+v)) {
				xsd = "bom-" + v + ".xsd"
			}
		}
		// bom-1.7.xsd imports the SPDX license schema by its URL: a catalog maps it to the copy next to it, offline.
		catalog := filepath.Join(t.TempDir(), "catalog.xml")
		os.WriteFile(catalog, []byte(`<?xml version="1.0"?>
<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <uri name="http://cyclonedx.org/schema/spdx" uri="file://`+filepath.Join(dir, "spdx.xsd")+`"/>
</catalog>
`), 0o644)
		cmd := exec.Command(Tool(t, "xmllint"), "--noout", "--nonet", "--schema", filepath.Join(dir, xsd), path)
		cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+catalog)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Errorf("xmllint --schema %s %s: %v\n%s", xsd, path, err, out)
		}
	case strings.HasSuffix(path, ".spdx"):
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		tv, err := tagvalue.Read(f)
		if err != nil {
			t.Errorf("reading tag-value %s: %v", path, err)
			return
		}
		jf, err := os.Open(path + ".json")
		if err != nil {
			return
		}
		defer jf.Close()
		js, err := spdxjson.Read(jf)
		if err != nil {
			t.Errorf("reading %s.json: %v", path, err)
			return
		}
		// The tag-value writer orders packages by name and relationships as it likes: compare as sets.
		opts := cmp.Options{
			cmpopts.IgnoreUnexported(spdx23.Package{}),
			cmpopts.EquateEmpty(),
			cmpopts.SortSlices(func(a, b *spdx23.Package) bool { return a.PackageSPDXIdentifier < b.PackageSPDXIdentifier }),
			cmpopts.SortSlices(func(a, b *spdx23.Relationship) bool {
				return fmt.Sprint(a.RefA, a.Relationship, a.RefB) < fmt.Sprint(b.RefA, b.Relationship, b.RefB)
			}),
			cmpopts.SortSlices(func(a, b *spdx23.OtherLicense) bool { return a.LicenseIdentifier < b.LicenseIdentifier }),
		}
		if diff := cmp.Diff(js, tv, opts); diff != "" {
			t.Errorf("tag-value %s differs from its JSON form (-json +tag-value):\n%s", path, diff)
		}
	default:
		t.Fatalf("ValidateSBOM: unknown kind of file %s", path)
	}
}

// cyclonedxVersion reads a CycloneDX JSON document's specVersion.
func cyclonedxVersion(t testing.TB, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var v struct {
		SpecVersion string `json:"specVersion"`
	}
	json.Unmarshal(data, &v)
	return v.SpecVersion
}
