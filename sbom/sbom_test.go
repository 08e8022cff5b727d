package sbom

import (
	"errors"
	"regexp"
	"testing"
	"time"
)

func TestNormalizeLicense(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // "" means not a valid expression
	}{
		{in: "MIT", want: "MIT"},
		{in: "MIT/Apache-2.0", want: "MIT OR Apache-2.0"},
		{in: "MIT / Apache-2.0", want: "MIT OR Apache-2.0"},
		{in: "Unlicense/MIT", want: "Unlicense OR MIT"},
		{in: "mit or apache-2.0", want: "MIT OR Apache-2.0"},
		{in: "(MIT OR Apache-2.0) AND Unicode-DFS-2016", want: "(MIT OR Apache-2.0) AND Unicode-DFS-2016"},
		{in: "Apache-2.0 WITH LLVM-exception", want: "Apache-2.0 WITH LLVM-exception"},
		{in: "Apache-2.0 with LLVM-exception OR MIT", want: "Apache-2.0 WITH LLVM-exception OR MIT"},
		{in: "Apache 2.0", want: ""},
		{in: "LicenseRef-Custom", want: ""}, // defined nowhere in our document
		{in: "", want: ""},
		{in: "MIT OR", want: ""},
	}
	for _, tt := range tests {
		got, ok := NormalizeLicense(tt.in)
		if ok != (tt.want != "") || got != tt.want {
			t.Errorf("NormalizeLicense(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestCargoLicense(t *testing.T) {
	t.Parallel()
	validRef := regexp.MustCompile(`^LicenseRef-[A-Za-z0-9.-]+$`)
	tests := []struct {
		name, license, file string
		wantExpr            string
		wantRef             bool
	}{
		{name: "expression wins over file", license: "MIT", file: "LICENSE", wantExpr: "MIT"},
		{name: "file", file: "/home/me/proj/LICENSE-CUSTOM", wantExpr: "LicenseRef-c-1.0.0-LICENSE-CUSTOM", wantRef: true},
		{name: "windows file", file: `C:\src\proj\COPYING`, wantExpr: "LicenseRef-c-1.0.0-COPYING", wantRef: true},
		{name: "invalid expression", license: "GPL v2 or later", wantExpr: "LicenseRef-c-1.0.0", wantRef: true},
		{name: "none"},
	}
	for _, tt := range tests {
		expr, ref := CargoLicense("c", "1.0.0", tt.license, tt.file)
		if expr != tt.wantExpr || (ref != nil) != tt.wantRef {
			t.Errorf("%s: got %q, ref %v; want %q, ref %v", tt.name, expr, ref != nil, tt.wantExpr, tt.wantRef)
			continue
		}
		if ref != nil {
			if ref.ID != expr || !validRef.MatchString(ref.ID) || ref.Text == "" {
				t.Errorf("%s: bad LicenseRef %+v", tt.name, ref)
			}
			if regexp.MustCompile(`[/\\]`).MatchString(ref.Text + ref.Name) {
				t.Errorf("%s: LicenseRef carries a path: %+v", tt.name, ref)
			}
		}
	}
}

func TestPURLAndRef(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		src     Source
		purl    string
		wantRef string
	}{
		{name: "serde", src: Source{Kind: SourceCratesIO}, purl: "pkg:cargo/serde@1.0.0", wantRef: "pkg:cargo/serde@1.0.0"},
		{name: "serde", src: Source{Kind: SourceGit, URL: "https://github.com/serde-rs/serde", Rev: "abc"},
			purl: "pkg:cargo/serde@1.0.0?vcs_url=git%2Bhttps:%2F%2Fgithub.com%2Fserde-rs%2Fserde%40abc"},
		{name: "serde", src: Source{Kind: SourceGit}, wantRef: "git:serde@1.0.0"},
		{name: "serde", src: Source{Kind: SourceRegistry, URL: "https://r.example/index"}, purl: "pkg:cargo/serde@1.0.0?repository_url=https:%2F%2Fr.example%2Findex"},
		{name: "serde", src: Source{Kind: SourceRegistry, Label: "sparse"}, wantRef: "registry:sparse/serde@1.0.0"},
		{name: "serde", src: Source{Kind: SourcePath}, wantRef: "local:serde@1.0.0"},
		{name: "serde", src: Source{}, wantRef: "crate:serde@1.0.0"},
	}
	for _, tt := range tests {
		if got := PURL(tt.name, "1.0.0", tt.src); got != tt.purl {
			t.Errorf("PURL(%+v) = %q, want %q", tt.src, got, tt.purl)
		}
		want := tt.wantRef
		if want == "" {
			want = tt.purl
		}
		if got := CrateRef(tt.name, "1.0.0", tt.src); got != want {
			t.Errorf("CrateRef(%+v) = %q, want %q", tt.src, got, want)
		}
	}
}

func testDoc() *Document {
	return &Document{
		Subject: Component{Ref: "local:app@1.0.0", Type: TypeApplication, Name: "app", Version: "1.0.0", DependsOn: []string{"pkg:cargo/b@1.0.0", "pkg:cargo/a@1.0.0"}},
		Components: []Component{
			{Ref: "pkg:cargo/b@1.0.0", Name: "b", Version: "1.0.0", Source: Source{Kind: SourceCratesIO}, Scope: ScopeRuntime},
			{Ref: "pkg:cargo/a@1.0.0", Name: "a", Version: "1.0.0", Source: Source{Kind: SourceCratesIO}, Scope: ScopeBuild, DependsOn: []string{"pkg:cargo/b@1.0.0", "pkg:cargo/b@1.0.0"}},
		},
		Created: time.Date(2026, 1, 1, 0, 0, 0, 5, time.FixedZone("x", 3600)),
		Origin:  OriginMetadata,
	}
}

func TestNormalizeAndUUID(t *testing.T) {
	t.Parallel()
	d1, d2 := testDoc(), testDoc()
	// The same content in another order is the same document.
	d2.Components[0], d2.Components[1] = d2.Components[1], d2.Components[0]
	d1.Normalize()
	d2.Normalize()
	if d1.Components[0].Ref != "pkg:cargo/a@1.0.0" || len(d1.Components[0].DependsOn) != 1 {
		t.Errorf("Normalize did not sort and deduplicate: %+v", d1.Components)
	}
	if d1.Created.Location() != time.UTC || d1.Created.Nanosecond() != 0 {
		t.Errorf("Created = %v, want UTC seconds", d1.Created)
	}
	u1, u2 := d1.UUID("x"), d2.UUID("x")
	if u1 != u2 {
		t.Errorf("equal documents, different UUIDs %s %s", u1, u2)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(u1) {
		t.Errorf("UUID %s is not an RFC 4122 version 5 UUID", u1)
	}
	d2.Components[0].Version = "1.0.1"
	if d1.UUID("x") == d2.UUID("x") || d1.UUID("x") == d1.UUID("y") {
		t.Error("different content or tool, same UUID")
	}
}

func TestValidate(t *testing.T) {
	t.Parallel()
	if err := testDoc().Validate(); err != nil {
		t.Fatalf("valid document rejected: %v", err)
	}
	tests := map[string]func(d *Document){
		"dangling edge":   func(d *Document) { d.Components[0].DependsOn = []string{"ghost"} },
		"duplicate ref":   func(d *Document) { d.Components[1].Ref = d.Components[0].Ref },
		"unnamed subject": func(d *Document) { d.Subject.Name = "" },
		"ref of subject":  func(d *Document) { d.Components[0].Ref = d.Subject.Ref },
	}
	for name, mutate := range tests {
		d := testDoc()
		mutate(d)
		if err := d.Validate(); !errors.Is(err, ErrInvalidDocument) {
			t.Errorf("%s: err = %v, want ErrInvalidDocument", name, err)
		}
	}
}
