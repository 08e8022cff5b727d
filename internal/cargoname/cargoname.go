// Package cargoname checks crate names and versions against cargo's own grammar. Names and versions reach
// ferroseal from binaries, lockfiles and cargo metadata, which an attacker may have written; they become package
// URLs, SPDX identifiers, file names and lines of output, so anything cargo itself would refuse is refused here,
// before it is used.
package cargoname

import (
	"fmt"
	"regexp"
	"unicode"
	"unicode/utf8"
)

// MaxLen bounds a name and a version, in bytes. crates.io allows names of 64 characters; local packages have no
// limit in cargo but no real one comes near this.
const MaxLen = 256

// ValidName reports why s is not a package name as cargo accepts it, or nil: one or more characters, the first a
// letter or "_" (Unicode XID_Start), the rest letters, digits, "_" or "-" (XID_Continue).
func ValidName(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty name")
	case len(s) > MaxLen:
		return fmt.Errorf("name longer than %d bytes", MaxLen)
	case !utf8.ValidString(s):
		return fmt.Errorf("name %q is not UTF-8", s)
	}
	for i, r := range s {
		ok := r == '_' || isXIDStart(r)
		if i > 0 {
			ok = ok || r == '-' || isXIDContinue(r)
		}
		if !ok {
			return fmt.Errorf("name %q: character %q is not allowed in a crate name", s, r)
		}
	}
	return nil
}

// semver is the Semantic Versioning 2.0.0 grammar (semver.org's own expression), which cargo's versions follow.
var semver = regexp.MustCompile(`^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)` +
	`(?:-((?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*)(?:\.(?:0|[1-9]\d*|\d*[a-zA-Z-][0-9a-zA-Z-]*))*))?` +
	`(?:\+([0-9a-zA-Z-]+(?:\.[0-9a-zA-Z-]+)*))?$`)

// ValidVersion reports why s is not a version as cargo writes them (MAJOR.MINOR.PATCH, optional pre-release and
// build metadata), or nil.
func ValidVersion(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty version")
	case len(s) > MaxLen:
		return fmt.Errorf("version longer than %d bytes", MaxLen)
	case !semver.MatchString(s):
		return fmt.Errorf("version %q is not a semantic version", s)
	}
	return nil
}

func isXIDStart(r rune) bool {
	return unicode.IsLetter(r) || unicode.Is(unicode.Nl, r)
}

func isXIDContinue(r rune) bool {
	return isXIDStart(r) || unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Pc)
}
