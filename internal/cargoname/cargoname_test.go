package cargoname

import (
	"regexp"
	"strings"
	"testing"
)

func TestValidName(t *testing.T) {
	for _, ok := range []string{"serde", "serde_json", "proc-macro2", "_private", "a", "Inflector", "café", "x86"} {
		if err := ValidName(ok); err != nil {
			t.Errorf("ValidName(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "1password", "-x", "a b", "a\nPackageName: evil", "a/b", "a:b", "a.b", "a\x00",
		"a</text>", "\u202eevil", strings.Repeat("a", MaxLen+1), "a\xff"} {
		if err := ValidName(bad); err == nil {
			t.Errorf("ValidName(%q) = nil", bad)
		}
	}
}

func TestValidVersion(t *testing.T) {
	for _, ok := range []string{"0.1.0", "1.0.197", "2.0.9+zstd.1.5.5", "1.0.0-alpha.1", "1.0.0-rc.1+build.5", "0.0.0-0"} {
		if err := ValidVersion(ok); err != nil {
			t.Errorf("ValidVersion(%q) = %v", ok, err)
		}
	}
	for _, bad := range []string{"", "1", "1.0", "01.0.0", "1.0.0-01", "1.0.0\nPackageVersion: 9", "1.0.0 ", "v1.0.0", "1.0.0+", "1.0.0-"} {
		if err := ValidVersion(bad); err == nil {
			t.Errorf("ValidVersion(%q) = nil", bad)
		}
	}
}

// semverRE is the grammar of semver.org's recommended regular expression: the reference for isSemver.
var semverRE = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// FuzzSemver: the hand-written check agrees with semver.org's regular expression on every input.
func FuzzSemver(f *testing.F) {
	for _, s := range []string{"1.0.0", "0.0.0-alpha.1+build.5", "1.0.0-0a.01", "1.0.0-01", "01.0.0", "1.0", "1.0.0+", "1.0.0-", "1.0.0-a..b",
		"1.0.0+0-.x", "1.0.0-x-y-z.--", "1.2.3-rc.1+exp.sha.5114f85", "1.0.0-alpha+001", "1.0.0+\n", "1.0.0-\u00e9", "1.0.0-0", "1.0.0-00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := isSemver(s), semverRE.MatchString(s); got != want {
			t.Fatalf("isSemver(%q) = %v, the regular expression says %v", s, got, want)
		}
	})
}
