package bsi

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/ferroseal/ferroseal/sbom"
)

// binaryDoc is the document of a binary built from local crate app, which uses itoa from crates.io (SHA-256 of
// its .crate as Cargo.lock records it) and a build-only crate.
func binaryDoc(itoaSHA256 string, format string) *sbom.Document {
	d := &sbom.Document{
		Subject: sbom.Component{Ref: "artifact:app", Type: sbom.TypeApplication, Name: "app", Version: "1.0.0",
			Hashes:    []sbom.Hash{{Algorithm: sbom.SHA256, Value: strings.Repeat("a", 64)}, {Algorithm: sbom.SHA512, Value: strings.Repeat("b", 128)}},
			DependsOn: []string{"local:app@1.0.0"}},
		Components: []sbom.Component{
			{Ref: "local:app@1.0.0", Type: sbom.TypeLibrary, Name: "app", Version: "1.0.0", Source: sbom.Source{Kind: sbom.SourcePath},
				Scope: sbom.ScopeRuntime, License: "MIT", Repository: "https://github.com/o/app", DependsOn: []string{"pkg:cargo/itoa@1.0.1", "pkg:cargo/cc@1.0.0"}},
			{Ref: "pkg:cargo/itoa@1.0.1", Type: sbom.TypeLibrary, Name: "itoa", Version: "1.0.1", Source: sbom.Source{Kind: sbom.SourceCratesIO},
				Scope: sbom.ScopeRuntime, License: "MIT OR Apache-2.0", Authors: []string{"David Tolnay <dtolnay@gmail.com>"},
				Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: itoaSHA256}}},
			{Ref: "pkg:cargo/cc@1.0.0", Type: sbom.TypeLibrary, Name: "cc", Version: "1.0.0", Source: sbom.Source{Kind: sbom.SourceCratesIO},
				Scope: sbom.ScopeBuild},
		},
		Created: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), Origin: sbom.OriginAuditable,
		Properties: []sbom.Property{{Name: sbom.PropAuditableFormat, Value: format}},
	}
	d.Normalize()
	return d
}

func property(c *sbom.Component, name string) string {
	for _, p := range c.Properties {
		if p.Name == name {
			return p.Value
		}
	}
	return ""
}

func TestApply(t *testing.T) {
	dir := t.TempDir()
	crate := []byte("the bytes of itoa-1.0.1.crate")
	s256, s512 := sha256.Sum256(crate), sha512.Sum512(crate)
	cache := filepath.Join(dir, "registry", "cache", "index.crates.io-6f17d22bba15001f")
	os.MkdirAll(cache, 0o755)
	os.WriteFile(filepath.Join(cache, "itoa-1.0.1.crate"), crate, 0o644)
	author := sbom.Contact{Name: "Release Team", Email: "release@example.com", URL: "https://example.com"}

	d := binaryDoc(hex.EncodeToString(s256[:]), "1")
	Apply(d, Options{Creators: []sbom.Contact{author}, DownloadURL: "https://example.com/dl/{name}",
		CrateDirs: []string{filepath.Join(dir, "registry", "cache")}})
	if d.Profile != Profile || len(d.Creators) != 1 {
		t.Fatalf("profile %q, creators %v", d.Profile, d.Creators)
	}
	s := &d.Subject
	if s.DistributionURL != "https://example.com/dl/app" || *s.Creator != author || s.License != "MIT" || s.ConcludedLicense != "MIT" ||
		s.SourceURL != "https://github.com/o/app" || s.Dependencies != sbom.DependenciesComplete {
		t.Errorf("subject: %+v", s)
	}
	if property(s, PropFilename) != "app" || property(s, PropExecutable) != Executable || property(s, PropArchive) != NoArchive ||
		property(s, PropStructured) != Unstructured {
		t.Errorf("subject properties: %v", s.Properties)
	}
	itoa := d.Component("pkg:cargo/itoa@1.0.1")
	if itoa.Hash(sbom.SHA512) != hex.EncodeToString(s512[:]) {
		t.Errorf("itoa's SHA-512 %q is not its .crate file's", itoa.Hash(sbom.SHA512))
	}
	if property(itoa, PropFilename) != "itoa-1.0.1.crate" || property(itoa, PropArchive) != Archive || property(itoa, PropExecutable) != NonExecutable ||
		itoa.ConcludedLicense != "MIT OR Apache-2.0" || itoa.Creator == nil || itoa.Creator.Email != "dtolnay@gmail.com" ||
		itoa.SourceURL != "https://crates.io/api/v1/crates/itoa/1.0.1/download" || itoa.Dependencies != sbom.DependenciesComplete {
		t.Errorf("itoa: %+v", itoa)
	}
	// A local crate is deployed inside the artifact; its creator is its project (its repository); a build-only
	// crate's dependencies are not
	// recorded by cargo-auditable, so not known to be complete; cc has no author: its crates.io page.
	app := d.Component("local:app@1.0.0")
	if property(app, PropFilename) != "app" || app.Hash(sbom.SHA512) != s.Hash(sbom.SHA512) || app.DistributionURL != s.DistributionURL ||
		app.Creator == nil || app.Creator.URL != "https://github.com/o/app" || app.SourceURL != "https://github.com/o/app" {
		t.Errorf("local crate: %+v", app)
	}
	cc := d.Component("pkg:cargo/cc@1.0.0")
	if cc.Dependencies != sbom.CompletenessUnknown || cc.Creator == nil || cc.Creator.URL != "https://crates.io/crates/cc" {
		t.Errorf("build crate: %+v", cc)
	}
	// cc's .crate is not in the cache: no SHA-512, and the document says so.
	if cc.Hash(sbom.SHA512) != "" || !strings.Contains(strings.Join(d.Notes, "\n"), "(1 crates: cc 1.0.0)") {
		t.Errorf("notes %q", d.Notes)
	}
}

func TestApplyRefusesAnotherCrateFile(t *testing.T) {
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "itoa-1.0.1.crate"), []byte("not the crate Cargo.lock names"), 0o644)
	d := binaryDoc(strings.Repeat("c", 64), "1")
	Apply(d, Options{Creators: []sbom.Contact{{Name: "R", Email: "r@example.com"}}, CrateDirs: []string{dir}})
	if h := d.Component("pkg:cargo/itoa@1.0.1").Hash(sbom.SHA512); h != "" {
		t.Errorf("SHA-512 %s taken from a file whose SHA-256 differs", h)
	}
	if !strings.Contains(strings.Join(d.Notes, "\n"), "itoa-1.0.1.crate is not the .crate file of itoa 1.0.1") {
		t.Errorf("notes %q", d.Notes)
	}
}

func TestCompletenessByOrigin(t *testing.T) {
	for _, tc := range []struct {
		origin sbom.Origin
		format string
		want   sbom.Completeness
	}{
		{sbom.OriginAuditable, "1", sbom.DependenciesComplete},
		{sbom.OriginAuditable, "0", sbom.CompletenessUnknown},
		{sbom.OriginMetadata, "", sbom.DependenciesComplete},
		{sbom.OriginLockfile, "", sbom.CompletenessUnknown},
		{sbom.OriginHeuristic, "", sbom.DependenciesIncomplete},
	} {
		d := binaryDoc(strings.Repeat("c", 64), tc.format)
		d.Origin = tc.origin
		Apply(d, Options{Creators: []sbom.Contact{{Name: "R", Email: "r@example.com"}}})
		if d.Subject.Dependencies != tc.want {
			t.Errorf("%s format %q: %q, want %q", tc.origin, tc.format, d.Subject.Dependencies, tc.want)
		}
	}
}

func TestOptions(t *testing.T) {
	for _, bad := range []Options{
		{},
		{Creators: []sbom.Contact{{Name: "no way to reach"}}},
		{Creators: []sbom.Contact{{Email: "a@b.c"}}, DownloadURL: "/relative/{name}"},
	} {
		if bad.Check() == nil {
			t.Errorf("%+v accepted", bad)
		}
	}
	if err := (Options{Creators: []sbom.Contact{{URL: "https://example.com"}}}).Check(); err != nil {
		t.Error(err)
	}
}
