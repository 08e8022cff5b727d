package safetext

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestLine(t *testing.T) {
	tests := []struct {
		name, in, want string
		max            int
	}{
		{name: "plain", in: "verify app: no attestation", want: "verify app: no attestation"},
		{name: "newlines fold", in: "a\nb\r\n\tc", want: "a b c"},
		{name: "escape sequence", in: "mediaType \x1b[2K\rVerified app", want: `mediaType \x1b[2K Verified app`},
		{name: "bidi override", in: "evil\u202eppa", want: `evil\u202eppa`},
		{name: "C1 control", in: "a\u009bb", want: `a\x9bb`},
		{name: "invalid utf8", in: "a\xffb", want: `a\xffb`},
		{name: "cut", in: strings.Repeat("x", 30), max: 10, want: "xxxxxxxxxx…(20 more bytes)"},
		{name: "unicode kept", in: "crate café", want: "crate café"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Line(tc.in, tc.max); got != tc.want {
				t.Errorf("Line(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestQuote(t *testing.T) {
	tests := []struct {
		name, in, want string
		max            int
	}{
		{name: "plain", in: "sbom", want: `"sbom"`},
		{name: "quotes", in: `a"b\c`, want: `"a\"b\\c"`},
		{name: "newline", in: "a\nb", want: `"a\nb"`},
		{name: "escape", in: "\x1b]8;;", want: `"\x1b]8;;"`},
		{name: "cut", in: strings.Repeat("y", 50), max: 10, want: `"yyyyyyyyyy"…(40 more bytes)`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Quote(tc.in, tc.max); got != tc.want {
				t.Errorf("Quote(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}

func TestCut(t *testing.T) {
	if got := Cut("héllo", 2); got != "h…(5 more bytes)" {
		t.Errorf("Cut splits a rune: %q", got)
	}
	if got := Cut("short", 10); got != "short" {
		t.Errorf("Cut(short) = %q", got)
	}
}

// FuzzLine checks that whatever the input, Line gives one line of bounded length with no character a terminal
// interprets, and Quote one such quoted value.
func FuzzLine(f *testing.F) {
	for _, s := range []string{"", "a\nb", "\x1b[31mred", "\u202e", "\xff\xfe", strings.Repeat("é", 300), "\u2028x\u0085"} {
		f.Add(s, 16)
	}
	f.Fuzz(func(t *testing.T, s string, max int) {
		if max > 4096 || max < -1 {
			return
		}
		for _, out := range []string{Line(s, max), Quote(s, max)} {
			if !utf8.ValidString(out) {
				t.Fatalf("invalid UTF-8 out of %q: %q", s, out)
			}
			for _, r := range out {
				if r != ' ' && (unicode.IsControl(r) || unicode.Is(unicode.Cf, r) || isSpace(r)) {
					t.Fatalf("%q kept %U: %q", s, r, out)
				}
			}
			limit := max
			if limit <= 0 {
				limit = MaxLine
			}
			// Escapes write at most 6 bytes past the limit, then the marker.
			if len(out) > limit+6+len("\"…(99999999999 more bytes)") {
				t.Fatalf("%d bytes out for a limit of %d", len(out), limit)
			}
		}
	})
}
