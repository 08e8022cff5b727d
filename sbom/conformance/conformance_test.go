package conformance

import (
	"bytes"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/bsi"
	"github.com/ferroseal/ferroseal/sbom/format"
)

func summary(r *Report) string {
	var parts []string
	for _, s := range r.Summary {
		parts = append(parts, s.Field+" "+strconv.Itoa(s.Count))
	}
	return strings.Join(parts, "; ")
}

// TestOtherToolsDocuments: documents syft v1.57.1 wrote of a binary (testdata/syft.*, CycloneDX 1.6, SPDX 2.3,
// SPDX 3.0.1) and a document shaped as cargo-cyclonedx writes them (CycloneDX 1.5) get exactly the findings their
// content calls for, counted per field. Each count can be checked against the file: syft's documents have 7 crates
// and the file itself (8 components in CycloneDX, whose two file components have no purl and no relationship),
// no creator contact, no licences for the binary, no file facts.
func TestOtherToolsDocuments(t *testing.T) {
	for _, tc := range []struct{ file, profile, want string }{
		{"syft.cdx.json", "bsi-tr-03183-2", "creator of the SBOM 1; component creator 8; component version 1; filename 8; dependencies 8; distribution licences 8; original licences 8; hash of the deployable component 8; executable property 8; archive property 8; structured property 8; source code URI 8; URI of the deployable form 8; other unique identifiers 2"},
		{"syft.cdx.json", "ntia-minimum", "supplier name 8; version 1; other unique identifiers 2; dependency relationship 2"},
		{"syft.spdx.json", "bsi-tr-03183-2", "format 1; creator of the SBOM 1; component creator 7; filename 7; dependencies 7; distribution licences 7; original licences 7; hash of the deployable component 7; executable property 7; archive property 7; structured property 7; source code URI 7; URI of the deployable form 7; other unique identifiers 1"},
		{"syft.spdx.json", "ntia-minimum", "supplier name 7; other unique identifiers 1"},
		{"syft.spdx3.json", "bsi-tr-03183-2", "creator of the SBOM 1; component creator 7; filename 7; dependencies 7; hash of the deployable component 7; executable property 7; archive property 7; structured property 7; source code URI 7; URI of the deployable form 7; other unique identifiers 1"},
		{"syft.spdx3.json", "ntia-minimum", "supplier name 7; other unique identifiers 1"},
		{"cargo-cyclonedx-style.cdx.json", "bsi-tr-03183-2", "format 1; creator of the SBOM 1; component creator 3; filename 3; dependencies 3; distribution licences 3; original licences 3; hash of the deployable component 3; executable property 3; archive property 3; structured property 3; source code URI 3; URI of the deployable form 3"},
		{"cargo-cyclonedx-style.cdx.json", "ntia-minimum", "supplier name 1"},
	} {
		data, err := os.ReadFile(filepath.Join("testdata", tc.file))
		if err != nil {
			t.Fatal(err)
		}
		r, err := Check(data, tc.profile)
		if err != nil {
			t.Fatalf("%s: %v", tc.file, err)
		}
		if got := summary(r); got != tc.want || r.Conformant {
			t.Errorf("%s against %s:\n got %s\nwant %s", tc.file, tc.profile, got, tc.want)
		}
	}
}

// conformantDoc is a document of a binary with every fact the guideline asks for: the profile applied with the
// crate's .crate file at hand.
func conformantDoc(t *testing.T) *sbom.Document {
	dir := t.TempDir()
	crate := []byte("itoa-1.0.1.crate, as cargo downloads it")
	s256, _ := sha256.Sum256(crate), sha512.Sum512(crate)
	os.WriteFile(filepath.Join(dir, "itoa-1.0.1.crate"), crate, 0o644)
	d := &sbom.Document{
		Subject: sbom.Component{Ref: "artifact:app", Type: sbom.TypeApplication, Name: "app", Version: "1.0.0",
			Hashes:    []sbom.Hash{{Algorithm: sbom.SHA256, Value: strings.Repeat("a", 64)}, {Algorithm: sbom.SHA512, Value: strings.Repeat("b", 128)}},
			DependsOn: []string{"local:app@1.0.0"}},
		Components: []sbom.Component{
			{Ref: "local:app@1.0.0", Type: sbom.TypeLibrary, Name: "app", Version: "1.0.0", Source: sbom.Source{Kind: sbom.SourcePath},
				Scope: sbom.ScopeRuntime, License: "MIT", Repository: "https://github.com/o/app", DependsOn: []string{"pkg:cargo/itoa@1.0.1"}},
			{Ref: "pkg:cargo/itoa@1.0.1", Type: sbom.TypeLibrary, Name: "itoa", Version: "1.0.1", Source: sbom.Source{Kind: sbom.SourceCratesIO},
				Scope: sbom.ScopeRuntime, License: "MIT OR Apache-2.0", Authors: []string{"David Tolnay <dtolnay@gmail.com>"},
				Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: hex.EncodeToString(s256[:])}}},
		},
		Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Origin: sbom.OriginAuditable,
		Properties: []sbom.Property{{Name: sbom.PropAuditableFormat, Value: "1"}},
	}
	d.Normalize()
	bsi.Apply(d, bsi.Options{Creators: []sbom.Contact{{Name: "Release", Email: "release@example.com"}},
		DownloadURL: "https://example.com/dl/{name}", CrateDirs: []string{dir}})
	return d
}

func encode(t *testing.T, d *sbom.Document, f string) []byte {
	var buf bytes.Buffer
	if err := format.Encode(&buf, d, format.MustParse(f), format.Tool{Name: "ferroseal", Version: "1"}); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestOurProfileDocumentsConform: the profile's documents, with every fact known, meet the guideline in CycloneDX
// 1.7 (JSON and XML) and SPDX 3; each fact taken out again is named.
func TestOurProfileDocumentsConform(t *testing.T) {
	d := conformantDoc(t)
	for _, f := range []string{"cyclonedx-json@1.7", "cyclonedx-xml@1.7", "spdx3-json"} {
		data := encode(t, d, f)
		r, err := Check(data, "bsi-tr-03183-2")
		if err != nil {
			t.Fatal(err)
		}
		if !r.Conformant {
			t.Errorf("%s: %+v", f, r.Findings)
		}
		if r, _ := Check(data, "ntia-minimum"); !r.Conformant {
			t.Errorf("%s, NTIA: %+v", f, r.Findings)
		}
	}
	// Each required fact, taken out of the CycloneDX JSON, is the one finding.
	good := string(encode(t, d, "cyclonedx-json@1.7"))
	for _, tc := range []struct{ from, to, field string }{
		{`"name": "bsi:component:executable",
          "value": "non-executable"`, `"name": "bsi:component:executable",
          "value": "maybe"`, "executable property"},
		{`"acknowledgement": "concluded"`, `"acknowledgement": "declared"`, "distribution licences"},
		{`"type": "source-distribution"`, `"type": "website"`, "source code URI"},
		{`"serialNumber": "urn:uuid:`, `"serialNumber": "x`, "SBOM-URI"},
		{`"specVersion": "1.7",`, `"specVersion": "1.7", "vulnerabilities": [{"id": "CVE-2026-0001"}],`, "no vulnerabilities"},
	} {
		bad := strings.Replace(good, tc.from, tc.to, 1)
		if bad == good {
			t.Fatalf("%q is not in the document", tc.from)
		}
		r, err := Check([]byte(bad), "bsi-tr-03183-2")
		if err != nil {
			t.Fatalf("%s: %v", tc.field, err)
		}
		if r.Conformant || len(r.Summary) != 1 || r.Summary[0].Field != tc.field {
			t.Errorf("with %q: %+v, want one field %q", tc.to, r.Summary, tc.field)
		}
	}
	// CycloneDX 1.6 holds one licence expression: the compound one's distribution licence is what 1.6 misses.
	r, _ := Check(encode(t, d, "cyclonedx-json@1.6"), "bsi-tr-03183-2")
	if summary(r) != "distribution licences 1" {
		t.Errorf("CycloneDX 1.6: %s", summary(r))
	}
	if r, _ := Check(encode(t, d, "cyclonedx-json@1.5"), "bsi-tr-03183-2"); r.Summary[0].Field != "format" {
		t.Errorf("CycloneDX 1.5: %s", summary(r))
	}
}

func TestCheckErrors(t *testing.T) {
	if _, err := Check([]byte(`{}`), "bsi-tr-03183-2"); err == nil {
		t.Error("a JSON object that is no SBOM checked")
	}
	if _, err := Check([]byte(`{"bomFormat":"CycloneDX","specVersion":"1.6"}`), "cra"); err == nil {
		t.Error("an unknown profile accepted")
	}
}

// FuzzCheck: whatever the bytes, a check returns a report or an error, never panics.
func FuzzCheck(f *testing.F) {
	for _, name := range []string{"syft.cdx.json", "syft.spdx.json", "syft.spdx3.json", "cargo-cyclonedx-style.cdx.json"} {
		if data, err := os.ReadFile(filepath.Join("testdata", name)); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, p := range Profiles {
			if r, err := Check(data, p); err == nil && r.Conformant != (len(r.Findings) == 0) {
				t.Fatalf("conformant %v with %d findings", r.Conformant, len(r.Findings))
			}
		}
	})
}
