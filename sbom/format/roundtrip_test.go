package format_test

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferroseal/ferroseal/internal/sbomtest"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/format"
)

// view is what a document says, as a reader of any format should get it back: every component field that has
// a meaning (NoPURL and OtherPURL are how the purl is made, compared as the purl itself).
type view struct {
	Doc        sbom.Document
	Components map[string]comp
}

type comp struct {
	sbom.Component
	PURL string
}

func viewOf(d *sbom.Document) view {
	v := view{Doc: *d, Components: map[string]comp{}}
	v.Doc.Components, v.Doc.Subject = nil, sbom.Component{}
	for _, c := range append([]sbom.Component{d.Subject}, d.Components...) {
		p := c.PURL()
		c.NoPURL, c.OtherPURL = false, ""
		v.Components[c.Ref] = comp{Component: c, PURL: p}
	}
	return v
}

// expected is what a document reads back as from format f: the losses each format documents (docs/formats.md).
func expected(doc *sbom.Document, f format.Format) *sbom.Document {
	d := clone(doc)
	switch f.Name {
	case "cyclonedx-json", "cyclonedx-xml":
		// CycloneDX has no place for the text of a LicenseRef within an expression; before 1.5 a license has no
		// bom-ref for its identifier, which is then made from its name; before 1.6, authors are one string.
		renamed := map[string]string{}
		alone := map[string]bool{}
		for _, c := range all(d) {
			alone[c.License] = true
		}
		for i := range d.LicenseRefs {
			r := &d.LicenseRefs[i]
			if !alone[r.ID] {
				r.Name, r.Text = r.ID, sbom.UndefinedLicenseText
				continue
			}
			if f.CycloneDX < format.MustParse("cyclonedx-json@1.5").CycloneDX {
				renamed[r.ID] = sbom.LicenseRefID(r.Name)
				r.ID = renamed[r.ID]
			}
		}
		for _, c := range all(d) {
			if id, ok := renamed[c.License]; ok {
				c.License = id
			}
			if len(c.Authors) > 1 && f.CycloneDX < format.MustParse("cyclonedx-json@1.6").CycloneDX {
				c.Authors = []string{strings.Join(c.Authors, ", ")}
			}
		}
	case "spdx-json", "spdx-tag-value", "spdx3-json":
		// SPDX identifiers are the document's own: references are derived again.
		sbom.DeriveRefs(d)
	}
	d.Normalize()
	return d
}

func all(d *sbom.Document) []*sbom.Component {
	out := []*sbom.Component{&d.Subject}
	for i := range d.Components {
		out = append(out, &d.Components[i])
	}
	return out
}

func clone(d *sbom.Document) *sbom.Document {
	c := *d
	c.Components = slices.Clone(d.Components)
	c.LicenseRefs = slices.Clone(d.LicenseRefs)
	c.Notes = slices.Clone(d.Notes)
	c.Properties = slices.Clone(d.Properties)
	for _, x := range all(&c) {
		x.DependsOn = slices.Clone(x.DependsOn)
		x.Authors = slices.Clone(x.Authors)
		x.Properties = slices.Clone(x.Properties)
		x.Hashes = slices.Clone(x.Hashes)
	}
	return &c
}

var everyFormat = []string{"cyclonedx-json", "cyclonedx-json@1.7", "cyclonedx-json@1.5", "cyclonedx-json@1.4",
	"cyclonedx-xml", "cyclonedx-xml@1.4", "spdx-json", "spdx-tag-value", "spdx3-json"}

// TestRoundTrip: a document written in each format and read back (the format detected from the bytes) says what
// it said, but for the losses the format documents; what convert reads from one format, it writes in another.
func TestRoundTrip(t *testing.T) {
	docs := map[string]*sbom.Document{"rich": sbomtest.Rich()}
	// A LicenseRef within an expression, which CycloneDX names without its text.
	inExpr := sbomtest.Rich()
	inExpr.Component("local:dev@0.1.0").License = "MIT AND LicenseRef-custom"
	docs["licenseref-in-expression"] = inExpr
	// Real documents: a workspace member, binaries, a release archive, the merge of several binaries.
	for _, name := range []string{"workspace/ws-app", "workspace/workspace", "binary/release-merged", "binary/x86_64-windows.exe",
		"binary/universal-darwin.macho", "crates/sha-report", "lockfile/workspace"} {
		data, err := os.ReadFile(filepath.Join("..", "..", "cmd", "ferroseal", "testdata", "golden", name+".cdx.json"))
		if err != nil {
			t.Fatal(err)
		}
		doc, _, err := format.Decode(data)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		docs[name] = doc
	}
	for name, doc := range docs {
		for _, fs := range everyFormat {
			f := format.MustParse(fs)
			t.Run(name+"/"+fs, func(t *testing.T) {
				var buf bytes.Buffer
				if err := format.Encode(&buf, doc, f, format.Tool{Name: "ferroseal", Version: "1.0.0"}); err != nil {
					t.Fatal(err)
				}
				back, got, err := format.Decode(buf.Bytes())
				if err != nil {
					t.Fatal(err)
				}
				if got != f {
					t.Errorf("detected %s, want %s", got, f)
				}
				if diff := cmp.Diff(viewOf(expected(doc, f)), viewOf(back)); diff != "" {
					t.Errorf("read back differently (-want +got):\n%s", diff)
				}
			})
		}
	}
}
