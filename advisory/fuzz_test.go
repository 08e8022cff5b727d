package advisory

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzParse feeds the advisory readers and the version grammar hostile bytes: an error, never a panic, and a parsed
// advisory answers Affects for any version.
func FuzzParse(f *testing.F) {
	for _, pattern := range []string{"testdata/rustsec/crates/*/*.md", "testdata/osv/*.json"} {
		files, _ := filepath.Glob(pattern)
		for _, p := range files {
			if data, err := os.ReadFile(p); err == nil {
				f.Add(data)
			}
		}
	}
	f.Add([]byte(">= 1.2.3, < 2.0.0-rc.1"))
	probes := []Version{{}, {Major: 1, Minor: 2, Patch: 3}, {Major: 1, Pre: []string{"rc", "1"}}}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, parse := range []func([]byte) (*Advisory, error){ParseRustSec, ParseOSV} {
			if a, err := parse(data); err == nil {
				for _, v := range probes {
					a.Affects(v)
				}
			}
		}
		if r, err := ParseReq(string(data)); err == nil {
			for _, v := range probes {
				r.Matches(v)
			}
		}
		if v, err := ParseVersion(string(data)); err == nil {
			if w, err := ParseVersion(v.String()); err != nil || w.Compare(v) != 0 {
				t.Errorf("%q: %v does not read back (%v)", data, v, err)
			}
		}
	})
}
