package sbom

import "testing"

func TestParseContact(t *testing.T) {
	for in, want := range map[string]Contact{
		"Release Team <release@example.com>":                     {Name: "Release Team", Email: "release@example.com"},
		"Release Team https://example.com":                       {Name: "Release Team", URL: "https://example.com"},
		"Release Team <release@example.com> https://example.com": {Name: "Release Team", Email: "release@example.com", URL: "https://example.com"},
		"release@example.com":                                    {Email: "release@example.com"},
		"https://example.com/security":                           {URL: "https://example.com/security"},
	} {
		got, err := ParseContact(in)
		if err != nil || got != want {
			t.Errorf("ParseContact(%q) = %+v, %v; want %+v", in, got, err, want)
		}
	}
	for _, bad := range []string{"", "   ", "A <not an address>", "B https://", "C <a@b@c>"} {
		if c, err := ParseContact(bad); err == nil {
			t.Errorf("ParseContact(%q) = %+v, want an error", bad, c)
		}
	}
}
