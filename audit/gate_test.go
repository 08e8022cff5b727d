package audit

import (
	"strings"
	"testing"
	"time"

	"github.com/openvex/go-vex/pkg/vex"

	"github.com/ferroseal/ferroseal/advisory"
)

// A statement waives a vulnerability only when it is about that advisory (id or alias), this artifact (its
// digest) and, when it names subcomponents, the crate; any statement saying affected keeps it open.
func TestUnwaived(t *testing.T) {
	sha := strings.Repeat("ab", 32)
	a := &advisory.Advisory{ID: "RUSTSEC-2099-0001", Aliases: []string{"CVE-2099-0001"}}
	rep := &advisory.Report{Findings: []advisory.Finding{{Advisory: a, Crate: "c", Version: "1.0.0", PURL: "pkg:cargo/c@1.0.0", Scope: "runtime", Status: advisory.Affected}}}
	st := func(name string, status vex.Status, productSHA, sub string) vex.Statement {
		p := vex.Product{Component: vex.Component{Hashes: map[vex.Algorithm]vex.Hash{vex.SHA256: vex.Hash(productSHA)}}}
		if sub != "" {
			p.Subcomponents = []vex.Subcomponent{{Component: vex.Component{ID: sub}}}
		}
		return vex.Statement{Vulnerability: vex.Vulnerability{Name: vex.VulnerabilityID(name)}, Status: status, Products: []vex.Product{p}}
	}
	at := func(st vex.Statement, sec int64) vex.Statement {
		tm := time.Unix(sec, 0)
		st.Timestamp = &tm
		return st
	}
	for name, c := range map[string]struct {
		stmts []vex.Statement
		open  bool
	}{
		"superseded by a later decision": {[]vex.Statement{at(st("RUSTSEC-2099-0001", vex.StatusAffected, sha, ""), 100), at(st("RUSTSEC-2099-0001", vex.StatusNotAffected, sha, ""), 200)}, false},
		"a later affected reopens it":    {[]vex.Statement{at(st("RUSTSEC-2099-0001", vex.StatusNotAffected, sha, ""), 100), at(st("RUSTSEC-2099-0001", vex.StatusAffected, sha, ""), 200)}, true},
		"none":                           {nil, true},
		"not affected":                   {[]vex.Statement{st("RUSTSEC-2099-0001", vex.StatusNotAffected, sha, "")}, false},
		"by alias, fixed":                {[]vex.Statement{st("CVE-2099-0001", vex.StatusFixed, sha, "pkg:cargo/c@1.0.0")}, false},
		"another artifact":               {[]vex.Statement{st("RUSTSEC-2099-0001", vex.StatusNotAffected, strings.Repeat("cd", 32), "")}, true},
		"another crate":                  {[]vex.Statement{st("RUSTSEC-2099-0001", vex.StatusNotAffected, sha, "pkg:cargo/d@1.0.0")}, true},
		"another advisory":               {[]vex.Statement{st("RUSTSEC-2099-0002", vex.StatusNotAffected, sha, "")}, true},
		"contradicted":                   {[]vex.Statement{st("RUSTSEC-2099-0001", vex.StatusNotAffected, sha, ""), st("RUSTSEC-2099-0001", vex.StatusAffected, sha, "")}, true},
		"under investigation":            {[]vex.Statement{st("RUSTSEC-2099-0001", vex.StatusUnderInvestigation, sha, "")}, true},
	} {
		got := Unwaived(rep, []*vex.VEX{{Statements: c.stmts}}, sha)
		if (len(got) > 0) != c.open {
			t.Errorf("%s: open %v, want %v", name, len(got) > 0, c.open)
		}
	}
}
