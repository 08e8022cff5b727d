// Package safetext makes untrusted text safe for the text sinks ferroseal writes to: a line on a terminal or in a
// log, and a quoted value inside such a line. Text from binaries, lockfiles, archives and bundles can hold escape
// sequences that rewrite what a terminal shows, line breaks that forge further lines, bidirectional controls that
// reorder what is read, and megabytes where a name is expected. Every function here returns one line of bounded
// length with those characters escaped, so what is printed is what was there, visibly.
//
// The SPDX tag-value and SHA256SUMS sinks have rules of their own and are escaped where they are written.
package safetext

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Bounds for the sinks.
const (
	// MaxLine is the longest diagnostic line ferroseal prints, in bytes, before the marker of what was cut.
	MaxLine = 2048
	// MaxQuoted is the longest untrusted value quoted inside a message, in bytes.
	MaxQuoted = 200
)

// Line returns s as one line of at most max bytes (plus a marker saying how much was cut): runs of whitespace
// (ASCII space, tab, CR, LF, and the Unicode line and paragraph separators) become one space, and every other
// control or format character, and every invalid UTF-8 byte, is written as an escape (\x1b, \u202e). max <= 0
// means MaxLine.
func Line(s string, max int) string {
	if max <= 0 {
		max = MaxLine
	}
	var b strings.Builder
	space := false
	for i := 0; i < len(s); {
		if b.Len() >= max {
			fmt.Fprintf(&b, "…(%d more bytes)", len(s)-i)
			break
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
			space = false
		case isSpace(r):
			if !space && b.Len() > 0 {
				b.WriteByte(' ')
			}
			space = true
		case unsafeRune(r):
			writeEscape(&b, r)
			space = false
		default:
			b.WriteString(s[i : i+n])
			space = false
		}
		i += n
	}
	return strings.TrimRight(b.String(), " ")
}

// Quote returns s in double quotes, escaped as by Line (and with quotes and backslashes escaped), cut to max
// bytes; max <= 0 means MaxQuoted. Use it for an untrusted value inside a message.
func Quote(s string, max int) string {
	if max <= 0 {
		max = MaxQuoted
	}
	var b strings.Builder
	b.WriteByte('"')
	for i := 0; i < len(s); {
		if b.Len() > max {
			fmt.Fprintf(&b, `"…(%d more bytes)`, len(s)-i)
			return b.String()
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			fmt.Fprintf(&b, `\x%02x`, s[i])
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case unsafeRune(r) || isSpace(r) && r != ' ':
			writeEscape(&b, r)
		default:
			b.WriteString(s[i : i+n])
		}
		i += n
	}
	b.WriteByte('"')
	return b.String()
}

// Cut returns s cut to at most max bytes on a rune boundary, with a marker of what was cut; s itself when it fits.
// It does not escape: use it for text bound for a sink that escapes by itself (JSON).
func Cut(s string, max int) string {
	if len(s) <= max {
		return s
	}
	i := max
	for i > 0 && !utf8.RuneStart(s[i]) {
		i--
	}
	return fmt.Sprintf("%s…(%d more bytes)", s[:i], len(s)-i)
}

// IsClean reports whether s would be printed unchanged by Line: no control, format or invalid bytes, no line
// breaks.
func IsClean(s string) bool {
	for _, r := range s {
		if r == utf8.RuneError || unsafeRune(r) || (isSpace(r) && r != ' ') {
			return false
		}
	}
	return true
}

func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\r', '\v', '\f', 0x85, 0x2028, 0x2029:
		return true
	}
	return false
}

// unsafeRune reports characters that change how a terminal shows text or how a reader orders it: C0 and C1
// controls, DEL, and Unicode format characters (bidirectional overrides and isolates, zero-width joiners, BOM).
func unsafeRune(r rune) bool {
	return unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || r == 0x2028 || r == 0x2029
}

func writeEscape(b *strings.Builder, r rune) {
	if r < 0x100 {
		fmt.Fprintf(b, `\x%02x`, r)
		return
	}
	fmt.Fprintf(b, `\u%04x`, r)
}
