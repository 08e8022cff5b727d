package advisory

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/sbom"
)

func TestVersionOrder(t *testing.T) {
	// semver.org's precedence example, in order.
	order := []string{"1.0.0-alpha", "1.0.0-alpha.1", "1.0.0-alpha.beta", "1.0.0-beta", "1.0.0-beta.2", "1.0.0-beta.11",
		"1.0.0-rc.1", "1.0.0", "1.0.1", "1.1.0", "2.0.0", "10.0.0"}
	for i := 1; i < len(order); i++ {
		a, err1 := ParseVersion(order[i-1])
		b, err2 := ParseVersion(order[i])
		if err1 != nil || err2 != nil {
			t.Fatal(err1, err2)
		}
		if a.Compare(b) != -1 || b.Compare(a) != 1 || a.Compare(a) != 0 {
			t.Errorf("%s < %s: got %d", a, b, a.Compare(b))
		}
	}
	if v, err := ParseVersion("1.2.3+build.5"); err != nil || v.String() != "1.2.3" {
		t.Errorf("build metadata: %v %v", v, err)
	}
	for _, bad := range []string{"", "1", "1.2", "01.2.3", "1.2.3-", "1.2.3-a..b", "1.2.x", "v1.2.3", "1.2.3-é"} {
		if _, err := ParseVersion(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

// Requirements as cargo defines them (caret, tilde, wildcard, comparison, comma = and), on versions either side of
// each bound.
func TestReq(t *testing.T) {
	for req, cases := range map[string]map[string]bool{
		"^1.2.3":              {"1.2.3": true, "1.9.0": true, "1.2.2": false, "2.0.0": false},
		"1.2.3":               {"1.2.3": true, "1.99.0": true, "2.0.0": false},
		"^0.2.3":              {"0.2.3": true, "0.2.9": true, "0.3.0": false, "0.2.2": false},
		"^0.0.3":              {"0.0.3": true, "0.0.4": false},
		"^1.2":                {"1.2.0": true, "1.9.9": true, "2.0.0": false, "1.1.9": false},
		"^0.2":                {"0.2.0": true, "0.2.9": true, "0.3.0": false},
		"^0.0":                {"0.0.5": true, "0.1.0": false},
		"^1":                  {"1.0.0": true, "1.9.0": true, "2.0.0": false},
		"~1.2.3":              {"1.2.3": true, "1.2.9": true, "1.3.0": false},
		"~1.2":                {"1.2.0": true, "1.3.0": false},
		"~1":                  {"1.9.0": true, "2.0.0": false},
		"=1.2.3":              {"1.2.3": true, "1.2.4": false},
		"=1.2":                {"1.2.7": true, "1.3.0": false},
		"1.*":                 {"1.0.0": true, "1.9.9": true, "2.0.0": false},
		"1.2.*":               {"1.2.0": true, "1.2.9": true, "1.3.0": false},
		"*":                   {"0.0.1": true, "99.0.0": true},
		">= 0.11.6, < 0.12.0": {"0.11.6": true, "0.11.99": true, "0.12.0": false, "0.11.5": false},
		"> 1.2":               {"1.2.9": false, "1.3.0": true},
		"<= 1.2":              {"1.2.9": true, "1.3.0": false},
		"< 1.2":               {"1.1.9": true, "1.2.0": false},
		">= 1.0.0-rc.2":       {"1.0.0-rc.1": false, "1.0.0-rc.2": true, "1.0.0": true, "0.9.0": false},
		">= 1.2.0":            {"1.3.0-rc.1": true, "1.2.0-rc.1": false},
	} {
		r, err := ParseReq(req)
		if err != nil {
			t.Errorf("%q: %v", req, err)
			continue
		}
		for v, want := range cases {
			ver, err := ParseVersion(v)
			if err != nil {
				t.Fatal(err)
			}
			if got := r.Matches(ver); got != want {
				t.Errorf("%q matches %s: %v, want %v", req, v, got, want)
			}
		}
	}
	for _, bad := range []string{"", ">=", "^x", "1.*.3", ">= 1.*", "1.2.3.4", ">= 1.2.3, ", "~>1.2"} {
		if _, err := ParseReq(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func crate(name, version string, scope sbom.Scope) sbom.Component {
	return sbom.Component{Ref: name + "@" + version, Name: name, Version: version, Type: sbom.TypeLibrary, Scope: scope,
		Source: sbom.Source{Kind: sbom.SourceCratesIO}}
}

func binaryDoc(container, arch string, comps ...sbom.Component) *sbom.Document {
	return &sbom.Document{
		Subject:    sbom.Component{Ref: "artifact", Name: "app", Type: sbom.TypeApplication, Hashes: []sbom.Hash{{Algorithm: sbom.SHA256, Value: strings.Repeat("ab", 32)}}},
		Properties: []sbom.Property{{Name: sbom.PropContainer, Value: container}, {Name: sbom.PropArchitecture, Value: arch}},
		Components: comps,
	}
}

type verdict struct {
	id, crate, scope string
	status           Status
	warning          bool
}

func verdicts(r *Report) map[string]verdict {
	out := map[string]verdict{}
	for _, f := range r.Findings {
		out[f.Advisory.ID+" "+f.Crate+"@"+f.Version] = verdict{f.Advisory.ID, f.Crate, f.Scope, f.Status, f.Warning()}
	}
	return out
}

// The same advisories in the RustSec format and in OSV give the same verdicts, for every kind of rule: version
// ranges with holes, target os and arch, informational kinds, withdrawal, pre-releases, scopes and sources.
func TestAuditBothFormats(t *testing.T) {
	comps := []sbom.Component{
		crate("vulncrate", "1.2.0", sbom.ScopeRuntime),     // affected
		crate("vulncrate", "0.9.0", sbom.ScopeRuntime),     // unaffected: before the bug
		crate("vulncrate", "1.2.3", sbom.ScopeRuntime),     // patched
		crate("vulncrate", "2.0.5", sbom.ScopeRuntime),     // affected again in 2.0
		crate("vulncrate", "2.1.0", sbom.ScopeRuntime),     // patched
		crate("wincrate", "0.4.0", sbom.ScopeRuntime),      // windows only
		crate("armcrate", "1.0.0", sbom.ScopeBuild),        // aarch64 only; ran on the build machine
		crate("oldcrate", "3.0.0", sbom.ScopeRuntime),      // unmaintained: a warning
		crate("gonecrate", "1.0.0", sbom.ScopeRuntime),     // withdrawn
		crate("precrate", "1.0.0-rc.1", sbom.ScopeRuntime), // before the fix
		crate("precrate", "1.0.0-rc.2", sbom.ScopeRuntime), // the fix
		crate("fncrate", "1.5.0", sbom.ScopeDev),           // dev-only: never audited
	}
	git := crate("vulncrate", "1.0.0", sbom.ScopeRuntime)
	git.Source = sbom.Source{Kind: sbom.SourceGit, URL: "https://github.com/example/vulncrate"}
	local := crate("vulncrate", "1.1.0", sbom.ScopeRuntime)
	local.Source = sbom.Source{Kind: sbom.SourcePath}
	comps = append(comps, git, local)

	want := map[string]verdict{
		"RUSTSEC-2099-0001 vulncrate@1.2.0":     {"RUSTSEC-2099-0001", "vulncrate", "runtime", Affected, false},
		"RUSTSEC-2099-0001 vulncrate@2.0.5":     {"RUSTSEC-2099-0001", "vulncrate", "runtime", Affected, false},
		"RUSTSEC-2099-0002 wincrate@0.4.0":      {"RUSTSEC-2099-0002", "wincrate", "runtime", NotAffected, false},
		"RUSTSEC-2099-0003 armcrate@1.0.0":      {"RUSTSEC-2099-0003", "armcrate", "build", NotAffected, false},
		"RUSTSEC-2099-0004 oldcrate@3.0.0":      {"RUSTSEC-2099-0004", "oldcrate", "runtime", Affected, true},
		"RUSTSEC-2099-0007 precrate@1.0.0-rc.1": {"RUSTSEC-2099-0007", "precrate", "runtime", Affected, false},
		"RUSTSEC-2099-0001 vulncrate@1.2.3":     {"RUSTSEC-2099-0001", "vulncrate", "runtime", Fixed, false},
		"RUSTSEC-2099-0001 vulncrate@2.1.0":     {"RUSTSEC-2099-0001", "vulncrate", "runtime", Fixed, false},
		"RUSTSEC-2099-0007 precrate@1.0.0-rc.2": {"RUSTSEC-2099-0007", "precrate", "runtime", Fixed, false},
	}
	for _, dir := range []string{"testdata/rustsec", "testdata/osv"} {
		db, err := Load(dir)
		if err != nil {
			t.Fatal(err)
		}
		if db.Len() != 7 {
			t.Errorf("%s: %d advisories, want 7 (the npm one skipped)", dir, db.Len())
		}
		r := Audit(db, binaryDoc("elf", "x86_64", comps...), Options{})
		got := verdicts(r)
		for k, w := range want {
			if got[k] != w {
				t.Errorf("%s: %s: got %+v, want %+v", dir, k, got[k], w)
			}
		}
		for k := range got {
			if _, ok := want[k]; !ok {
				t.Errorf("%s: unexpected finding %s", dir, k)
			}
		}
		if len(r.Vulnerabilities()) != 3 || len(r.Warnings()) != 1 || len(r.BuildOnly()) != 0 {
			t.Errorf("%s: %d vulnerabilities, %d warnings, %d build-only", dir, len(r.Vulnerabilities()), len(r.Warnings()), len(r.BuildOnly()))
		}
		if len(r.NotMatched) != 1 || !strings.Contains(r.NotMatched[0], "vulncrate@1.0.0 (git)") {
			t.Errorf("%s: not matched %v", dir, r.NotMatched)
		}
		for _, f := range r.Findings {
			if f.Crate == "wincrate" && !strings.Contains(f.Reason, "os windows only") {
				t.Errorf("%s: the reason does not name the rule: %q", dir, f.Reason)
			}
		}
	}
}

// Target rules, by container and architecture: the advisory applies when any target may be affected; a document
// that does not say its target (a Cargo.lock, another tool's SBOM) gets no exclusion.
func TestTargets(t *testing.T) {
	db, err := Load("testdata/rustsec")
	if err != nil {
		t.Fatal(err)
	}
	win := crate("wincrate", "0.4.0", sbom.ScopeRuntime)
	arm := crate("armcrate", "1.0.0", sbom.ScopeRuntime)
	for _, c := range []struct {
		doc      *sbom.Document
		win, arm Status
	}{
		{binaryDoc("elf", "x86_64", win, arm), NotAffected, NotAffected},
		{binaryDoc("pe", "x86_64", win, arm), Affected, NotAffected},
		{binaryDoc("pe", "aarch64", win, arm), Affected, Affected},
		{binaryDoc("macho", "aarch64", win, arm), NotAffected, Affected},
		{binaryDoc("wasm", "wasm32", win, arm), NotAffected, NotAffected},
		{&sbom.Document{Components: []sbom.Component{win, arm}}, Affected, Affected},
		{&sbom.Document{Properties: []sbom.Property{{Name: "cdx:rustc:sbom:target:triple", Value: "x86_64-pc-windows-msvc"}}, Components: []sbom.Component{win, arm}}, Affected, NotAffected},
		{&sbom.Document{Properties: []sbom.Property{{Name: "cdx:rustc:sbom:target:triple", Value: "aarch64-unknown-linux-gnu"}}, Components: []sbom.Component{win, arm}}, NotAffected, Affected},
	} {
		r := Audit(db, c.doc, Options{})
		got := verdicts(r)
		if got["RUSTSEC-2099-0002 wincrate@0.4.0"].status != c.win || got["RUSTSEC-2099-0003 armcrate@1.0.0"].status != c.arm {
			t.Errorf("targets %v: windows-only %s, aarch64-only %s; want %s, %s", r.Targets,
				got["RUSTSEC-2099-0002 wincrate@0.4.0"].status, got["RUSTSEC-2099-0003 armcrate@1.0.0"].status, c.win, c.arm)
		}
	}
	// A universal Mach-O of x86_64 and aarch64: the aarch64 slice is affected.
	uni := binaryDoc("macho-universal", "x86_64", arm)
	uni.Properties = append(uni.Properties, sbom.Property{Name: sbom.PropArchitecture, Value: "aarch64"})
	if v := verdicts(Audit(db, uni, Options{}))["RUSTSEC-2099-0003 armcrate@1.0.0"]; v.status != Affected {
		t.Errorf("universal binary: %+v", v)
	}
}

// An ignore list turns a finding into a recorded decision; function hints come from the symbol lookup given.
func TestIgnoreAndFunctions(t *testing.T) {
	db, err := Load("testdata/rustsec")
	if err != nil {
		t.Fatal(err)
	}
	doc := binaryDoc("elf", "x86_64", crate("vulncrate", "1.2.0", sbom.ScopeRuntime), crate("fncrate", "1.0.0", sbom.ScopeRuntime))
	r := Audit(db, doc, Options{
		Ignore:  map[string]string{"CVE-2099-0001": "we never parse untrusted input"},
		Symbols: func(p string) bool { return p == "fncrate::parse::parse_header" },
	})
	for _, f := range r.Findings {
		switch f.Crate {
		case "vulncrate":
			if f.Status != NotAffected || !f.Ignored || f.Reason != "we never parse untrusted input" {
				t.Errorf("ignored by alias: %+v", f)
			}
		case "fncrate":
			if f.Status != Affected || len(f.Functions) != 1 || !f.Functions[0].Present {
				t.Errorf("function hint: %+v", f)
			}
		}
	}
}

// The real database: every advisory parses, and the crate of RustSec's own test binary is found vulnerable.
func TestRealDatabase(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "fixtures", "advisory-db")
	if _, err := os.Stat(dir); err != nil {
		t.Skip("../shared/fixtures is not here")
	}
	db, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if db.Len() < 1000 {
		t.Errorf("%d advisories", db.Len())
	}
	r := Audit(db, binaryDoc("elf", "x86_64", crate("rustsec-example-crate", "0.0.1", sbom.ScopeRuntime), crate("rustsec-example-crate", "1.0.0", sbom.ScopeRuntime)), Options{})
	if v := r.Vulnerabilities(); len(v) != 1 || v[0].Advisory.ID != "RUSTSEC-2019-0024" || v[0].Version != "0.0.1" {
		t.Errorf("findings %+v", r.Findings)
	}
}

func TestLoadRefuses(t *testing.T) {
	dir := t.TempDir()
	if _, err := Load(dir); err == nil {
		t.Error("an empty directory is a database")
	}
	bad := filepath.Join(dir, "crates", "x")
	os.MkdirAll(bad, 0o755)
	for name, content := range map[string]string{
		"no front matter": "# title\n",
		"bad toml":        "```toml\n[advisory\n```\n",
		"bad version":     "```toml\n[advisory]\nid = \"RUSTSEC-2099-0100\"\npackage = \"x\"\n[versions]\npatched = [\">= 1.x\"]\n```\n",
		"no package":      "```toml\n[advisory]\nid = \"RUSTSEC-2099-0101\"\n```\n",
	} {
		os.WriteFile(filepath.Join(bad, "RUSTSEC-2099-0100.md"), []byte(content), 0o644)
		if _, err := Load(dir); err == nil || !strings.Contains(err.Error(), "RUSTSEC-2099-0100.md") {
			t.Errorf("%s: %v", name, err)
		}
	}
}

// CVSS 3 base scores of vectors whose scores NVD publishes.
func TestCVSS(t *testing.T) {
	for vector, want := range map[string]string{
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:H/I:H/A:H": "critical 9.8",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H": "high 7.5",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:R/S:C/C:L/I:L/A:N": "medium 6.1",
		"CVSS:3.0/AV:L/AC:L/PR:L/UI:N/S:U/C:H/I:H/A:H": "high 7.8",
		"CVSS:3.1/AV:N/AC:H/PR:N/UI:N/S:U/C:L/I:N/A:N": "low 3.7",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H": "critical 10.0",
		"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:N": "none 0.0",
	} {
		if got, ok := cvssSeverity(vector); !ok || got != want {
			t.Errorf("%s: %q, want %q", vector, got, want)
		}
	}
	for _, bad := range []string{"CVSS:4.0/AV:N/AC:L/AT:N/PR:N/UI:N/VC:H/VI:H/VA:H/SC:N/SI:N/SA:N", "CVSS:3.1/AV:X", "", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:Q/C:H/I:H/A:H"} {
		if _, ok := cvssSeverity(bad); ok {
			t.Errorf("%q scored", bad)
		}
	}
}
