package main

import (
	"cmp"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"testing"

	"github.com/package-url/packageurl-go"

	"github.com/ferroseal/ferroseal/internal/testenv"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/cyclonedx"
	"github.com/ferroseal/ferroseal/sbom/spdx3"
)

// syftView is what syft makes of an SBOM: its packages (name@version and purl) and its dependency edges
// (dependent -> dependency, by name@version).
type syftView struct {
	packages, purls, edges []string
}

func syftRead(t *testing.T, path string) syftView {
	t.Helper()
	cmd := exec.Command(testenv.Tool(t, "syft"), "convert", path, "-o", "syft-json")
	cmd.Env = append(os.Environ(), "SYFT_CHECK_FOR_APP_UPDATE=false")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("syft convert %s: %v", path, err)
	}
	var d struct {
		Artifacts []struct{ ID, Name, Version, Purl string }
		Relations []struct{ Parent, Child, Type string } `json:"artifactRelationships"`
	}
	if err := json.Unmarshal(out, &d); err != nil {
		t.Fatal(err)
	}
	var v syftView
	ids := map[string]string{}
	for _, a := range d.Artifacts {
		ids[a.ID] = a.Name + "@" + a.Version
		v.packages = append(v.packages, a.Name+"@"+a.Version)
		if a.Purl != "" {
			v.purls = append(v.purls, canonicalPURL(a.Purl))
		}
	}
	for _, r := range d.Relations {
		// syft's dependency-of: the parent is the dependency, the child depends on it.
		if r.Type == "dependency-of" && ids[r.Parent] != "" && ids[r.Child] != "" {
			v.edges = append(v.edges, ids[r.Child]+" -> "+ids[r.Parent])
		}
	}
	for _, s := range []*[]string{&v.packages, &v.purls, &v.edges} {
		slices.Sort(*s)
		*s = slices.Compact(*s)
	}
	return v
}

// canonicalPURL writes a purl as packageurl-go does: syft escapes a qualifier's ":" where we do not, both valid.
func canonicalPURL(s string) string {
	p, err := packageurl.FromString(s)
	if err != nil {
		return s
	}
	return p.ToString()
}

// ourView is the same view of a document of ours.
func ourView(doc *sbom.Document) syftView {
	var v syftView
	all := append([]sbom.Component{doc.Subject}, doc.Components...)
	byRef := map[string]string{}
	for _, c := range all {
		byRef[c.Ref] = c.Name + "@" + c.Version
	}
	for _, c := range all {
		v.packages = append(v.packages, byRef[c.Ref])
		if p := c.PURL(); p != "" {
			v.purls = append(v.purls, p)
		}
		for _, d := range c.DependsOn {
			v.edges = append(v.edges, byRef[c.Ref]+" -> "+byRef[d])
		}
	}
	for _, s := range []*[]string{&v.packages, &v.purls, &v.edges} {
		slices.Sort(*s)
		*s = slices.Compact(*s)
	}
	return v
}

// TestSyftReadsEveryFormat: syft, reading each format we write, finds every crate (by name, version and purl)
// and every dependency edge, build and development ones included: what the CycloneDX document says is what a
// consumer of any of our formats gets.
func TestSyftReadsEveryFormat(t *testing.T) {
	for _, name := range []string{"workspace/ws-app", "workspace/workspace", "binary/release-merged", "binary/x86_64-windows.exe"} {
		t.Run(name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "golden", name+".cdx.json"))
			if err != nil {
				t.Fatal(err)
			}
			doc, err := cyclonedx.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			want := ourView(doc)
			if len(want.edges) == 0 {
				t.Fatal("the document has no dependency edges to compare")
			}
			for _, f := range allFormats {
				got := syftRead(t, filepath.Join("testdata", "golden", name+f.ext))
				if !slices.Equal(got.packages, want.packages) {
					t.Errorf("%s: syft reads packages\n%q\nwant\n%q", f.ext, got.packages, want.packages)
				}
				if !slices.Equal(got.purls, want.purls) {
					t.Errorf("%s: syft reads purls\n%q\nwant\n%q", f.ext, got.purls, want.purls)
				}
				if !slices.Equal(got.edges, want.edges) {
					t.Errorf("%s: syft reads dependency edges\n%q\nwant\n%q", f.ext, got.edges, want.edges)
				}
			}
		})
	}
}

// TestReadSyftSPDX3: a document syft writes as SPDX 3 is read by our reader with every crate and purl in it.
func TestReadSyftSPDX3(t *testing.T) {
	in := filepath.Join("testdata", "golden", "workspace", "ws-app.cdx.json")
	cmd := exec.Command(testenv.Tool(t, "syft"), "convert", in, "-o", "spdx-json@3.0")
	cmd.Env = append(os.Environ(), "SYFT_CHECK_FOR_APP_UPDATE=false")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("syft convert: %v", err)
	}
	doc, err := spdx3.Decode(out)
	if err != nil {
		t.Fatalf("reading syft's SPDX 3: %v", err)
	}
	data, err := os.ReadFile(in)
	if err != nil {
		t.Fatal(err)
	}
	orig, err := cyclonedx.Decode(data)
	if err != nil {
		t.Fatal(err)
	}
	// syft's root is the source it was given (unknown, for a converted file); the crates are its components.
	got := map[string]string{}
	for _, c := range doc.Components {
		got[c.Name+"@"+c.Version+" "+c.PURL()] = c.License
	}
	// syft names a CycloneDX named license LicenseRef-NAME.
	refNames := map[string]string{}
	for _, r := range orig.LicenseRefs {
		refNames[r.ID] = sbom.LicenseRefID(r.Name)
	}
	for _, c := range append([]sbom.Component{orig.Subject}, orig.Components...) {
		key := c.Name + "@" + c.Version + " " + c.PURL()
		want := cmp.Or(refNames[c.License], c.License)
		l, ok := got[key]
		switch {
		case !ok:
			t.Errorf("%s is missing from what we read of syft's SPDX 3", key)
		case l != want:
			t.Errorf("%s: license %q read from syft's SPDX 3, want %q", key, l, want)
		}
		delete(got, key)
	}
	for key := range got {
		t.Errorf("%s read from syft's SPDX 3 is not in the document it converted", key)
	}
}
