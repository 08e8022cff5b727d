package repourl

import (
	"errors"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		in, want, url, ref string
	}{
		{in: "github.com/o/r", want: "github.com/o/r", url: "git+https://github.com/o/r"},
		{in: "https://github.com/o/r.git", want: "github.com/o/r", url: "git+https://github.com/o/r"},
		{in: "git+https://github.com/o/r@refs/tags/v1.2.0", want: "github.com/o/r", ref: "refs/tags/v1.2.0"},
		{in: "git@github.com:o/r", want: "github.com/o/r", url: "git+https://github.com/o/r"},
		{in: "git@github.com:o/r.git", want: "github.com/o/r"},
		{in: "github.com:o/r", want: "github.com/o/r"},
		{in: "ssh://git@GitHub.com:22/o/r.git", want: "github.com/o/r", url: "git+https://github.com/o/r"},
		{in: "git+ssh://git@gitlab.example.com:2222/group/sub/project", want: "gitlab.example.com/group/sub/project"},
		{in: "https://user:token@gitlab.example.com:8443/group/project/", want: "gitlab.example.com:8443/group/project"},
		{in: "http://localhost:3000/o/r", want: "localhost:3000/o/r", url: "git+http://localhost:3000/o/r"},
		{in: "https://[::1]:8443/o/r", want: "[::1]:8443/o/r"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			r, err := Parse(tc.in)
			if err != nil {
				t.Fatal(err)
			}
			if r.String() != tc.want {
				t.Errorf("String() = %q, want %q", r.String(), tc.want)
			}
			if tc.url != "" && r.URL() != tc.url {
				t.Errorf("URL() = %q, want %q", r.URL(), tc.url)
			}
			if r.Ref != tc.ref {
				t.Errorf("Ref = %q, want %q", r.Ref, tc.ref)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	for _, in := range []string{
		"", "git", "github.com", "github.com/", "https://github.com", "https:///o/r", "file:///home/me/repo",
		"/home/me/repo", "../repo", "src/repo", `C:\repo`, "C:/repo", "git@github.com:", "git@:o/r",
		"ftp://example.com/o/r", "https://github.com/o/r?ref=x", "https://gith ub.com/o/r", "github.com/o/../r",
		"https://github.com:99999/o/r",
	} {
		if r, err := Parse(in); !errors.Is(err, ErrInvalid) {
			t.Errorf("Parse(%q) = %v, %v: want an error", in, r, err)
		}
	}
}

// TestSameSCP: the scp form names the same repository as its URLs, and a different host is a different repository
// (the scp form used to be read as the host "git", which matched anything on any host).
func TestSameSCP(t *testing.T) {
	same := [][2]string{
		{"git@github.com:o/r", "git+https://github.com/o/r"},
		{"git@github.com:o/r", "github.com/o/r"},
		{"github.com/o/r", "git+https://github.com/o/r.git@refs/heads/main"},
	}
	for _, p := range same {
		if !Same(p[0], p[1]) {
			t.Errorf("Same(%q, %q) = false", p[0], p[1])
		}
	}
	differ := [][2]string{
		{"git@github.com:o/r", "git+https://evil.example/o/r"},
		{"git@github.com:o/r", "git@gitlab.com:o/r"},
		{"github.com/o/r", "github.com/o/r2"},
		{"github.com/o/r", "github.com/O/r"},
		{"github.com/o/r", "not a url"},
	}
	for _, p := range differ {
		if Same(p[0], p[1]) {
			t.Errorf("Same(%q, %q) = true", p[0], p[1])
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"github.com/o/r", "git@github.com:o/r", "https://a.b/c@d", "ssh://x@y:1/z", "[::1]:8/a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := Parse(s)
		if err != nil {
			return
		}
		// What parses names a host and a path, and parses again to itself.
		if r.Host == "" || r.Path == "" {
			t.Fatalf("%q parsed to %+v", s, r)
		}
		again, err := Parse(r.URL())
		if err != nil || again.String() != r.String() {
			t.Fatalf("%q -> %q -> %+v, %v", s, r.URL(), again, err)
		}
	})
}
