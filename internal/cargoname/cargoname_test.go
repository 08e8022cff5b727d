package cargoname

import (
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
