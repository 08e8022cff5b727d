package spdx

import (
	"bytes"
	"strings"
	"testing"

	"github.com/spdx/tools-golang/tagvalue"

	"github.com/ferroseal/ferroseal/sbom"
)

// hostileDoc puts the given strings wherever a document carries text from its inputs.
func hostileDoc(name, version, desc, author, homepage, prop, note string) *sbom.Document {
	return &sbom.Document{
		Subject: sbom.Component{Ref: "artifact:" + name, Type: sbom.TypeApplication, Name: name, NoPURL: true,
			DependsOn: []string{"crate:a", "crate:b"}, Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: strings.Repeat("a", 64)}}},
		Components: []sbom.Component{
			{Ref: "crate:a", Type: sbom.TypeLibrary, Name: name, Version: version, Description: desc, Authors: []string{author},
				Homepage: homepage, Repository: homepage, License: "MIT OR LicenseRef-x", Scope: sbom.ScopeRuntime,
				Source: sbom.Source{Kind: sbom.SourceCratesIO}, Properties: []sbom.Property{{Name: "ferroseal:x", Value: prop}}},
			{Ref: "crate:b", Type: sbom.TypeLibrary, Name: "b", Version: "1.0.0", Scope: sbom.ScopeBuild, Description: note},
		},
		LicenseRefs: []sbom.LicenseRef{{ID: "LicenseRef-x", Name: note, Text: desc}},
		Properties:  []sbom.Property{{Name: sbom.PropPath, Value: prop}, {Name: sbom.PropRustc, Value: note}},
		Notes:       []string{note},
		Origin:      sbom.OriginAuditable,
	}
}

// TestTagValueInjection (class 8): strings from the inputs cannot add packages, licenses, creators or
// relationships to a tag-value document, nor open or close a text block.
func TestTagValueInjection(t *testing.T) {
	inject := "x\nPackageName: injected\nSPDXID: SPDXRef-Package-injected\nPackageDownloadLocation: NOASSERTION\n" +
		"Creator: Tool: evil\nLicenseID: LicenseRef-evil\nExtractedText: <text>evil</text>\nRelationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-Package-injected\n"
	closeText := "desc</text>\nPackageName: injected2\nSPDXID: SPDXRef-Package-injected2\nPackageDownloadLocation: NOASSERTION\nPackageComment: <text>"
	openText := "https://example.com/<TEXT>"
	doc := hostileDoc("app", "1.0.0", closeText, inject, openText, "dir/"+inject, inject)
	checkRoundTrip(t, doc)
}

func checkRoundTrip(t *testing.T, doc *sbom.Document) {
	t.Helper()
	var tv bytes.Buffer
	if err := Encode(&tv, doc, Options{Format: TagValue}); err != nil {
		return // the model refused it
	}
	want, err := Document(doc, Options{})
	if err != nil {
		t.Fatal(err)
	}
	got, err := tagvalue.Read(bytes.NewReader(tv.Bytes()))
	if err != nil {
		t.Fatalf("the tag-value document does not parse: %v\n%s", err, tv.String())
	}
	if len(got.Packages) != len(want.Packages) || len(got.OtherLicenses) != len(want.OtherLicenses) ||
		len(got.Relationships) != len(want.Relationships) || len(got.CreationInfo.Creators) != len(want.CreationInfo.Creators) {
		t.Fatalf("parsed back: %d packages, %d licenses, %d relationships, %d creators; written: %d, %d, %d, %d\n%s",
			len(got.Packages), len(got.OtherLicenses), len(got.Relationships), len(got.CreationInfo.Creators),
			len(want.Packages), len(want.OtherLicenses), len(want.Relationships), len(want.CreationInfo.Creators), tv.String())
	}
	names := map[string]string{}
	for _, p := range want.Packages {
		names[string(p.PackageSPDXIdentifier)] = strings.TrimSpace(tagValueLine(p.PackageName))
	}
	for _, p := range got.Packages {
		if n, ok := names[string(p.PackageSPDXIdentifier)]; !ok || n != p.PackageName {
			t.Fatalf("package %s named %q, want %q", p.PackageSPDXIdentifier, p.PackageName, n)
		}
	}
	if n := strings.Count("\n"+tv.String(), "\nPackageName: "); n != len(want.Packages) {
		t.Fatalf("%d PackageName lines for %d packages", n, len(want.Packages))
	}
}

// FuzzTagValue: no string in any field the inputs fill can add a line of its own to a tag-value document.
func FuzzTagValue(f *testing.F) {
	f.Add("app", "1.0.0", "a crate\nof two lines", "Jane Doe <jane@example.com>", "https://example.com", "bin/app", "rustc version 1.95.0")
	f.Add("a\nPackageName: x", "1\r\nPackageVersion: 2", "</text>\nPackageName: y\n<text>", "\u2028Creator: Tool: z", "<text>", "p\x00\x1b", "</TEXT>")
	f.Fuzz(func(t *testing.T, name, version, desc, author, homepage, prop, note string) {
		if strings.TrimSpace(name) == "" {
			return
		}
		checkRoundTrip(t, hostileDoc(name, version, desc, author, homepage, prop, note))
	})
}
