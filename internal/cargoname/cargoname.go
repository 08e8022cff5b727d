// Package cargoname checks crate names and versions against cargo's own grammar. Names and versions reach
// ferroseal from binaries, lockfiles and cargo metadata, which an attacker may have written; they become package
// URLs, SPDX identifiers, file names and lines of output, so anything cargo itself would refuse is refused here,
// before it is used.
package cargoname

import (
	"fmt"
	"strings"
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

// ValidVersion reports why s is not a version as cargo writes them (MAJOR.MINOR.PATCH, optional pre-release and
// build metadata), or nil.
func ValidVersion(s string) error {
	switch {
	case s == "":
		return fmt.Errorf("empty version")
	case len(s) > MaxLen:
		return fmt.Errorf("version longer than %d bytes", MaxLen)
	case !isSemver(s):
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

// isSemver reports whether s is a semantic version 2.0.0: MAJOR.MINOR.PATCH, numbers without leading zeros, an
// optional pre-release of dot-separated identifiers (numeric ones without leading zeros) and optional build
// metadata. It is written out rather than a regular expression, which would be compiled at every start of the
// program.
func isSemver(s string) bool {
	core, build, hasBuild := strings.Cut(s, "+")
	if hasBuild && !identifiers(build, false) {
		return false
	}
	core, pre, hasPre := strings.Cut(core, "-")
	if hasPre && !identifiers(pre, true) {
		return false
	}
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return false
	}
	for _, p := range parts {
		if !isNumber(p) {
			return false
		}
	}
	return true
}

// identifiers checks dot-separated identifiers of [0-9A-Za-z-], none empty; strict refuses numeric ones with a
// leading zero (pre-release identifiers).
func identifiers(s string, strict bool) bool {
	for _, id := range strings.Split(s, ".") {
		if id == "" {
			return false
		}
		numeric := true
		for i := 0; i < len(id); i++ {
			c := id[i]
			switch {
			case c >= '0' && c <= '9':
			case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c == '-':
				numeric = false
			default:
				return false
			}
		}
		if strict && numeric && !isNumber(id) {
			return false
		}
	}
	return true
}

// isNumber: digits, no leading zero but for 0 itself.
func isNumber(s string) bool {
	if s == "" || (len(s) > 1 && s[0] == '0') {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
