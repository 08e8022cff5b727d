package audit

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzIgnore reads hostile audit.toml files: an error or a list of ids, never a panic.
func FuzzIgnore(f *testing.F) {
	f.Add([]byte("[advisories]\nignore = [\"RUSTSEC-2099-0001\", { id = \"CVE-2099-1\", reason = \"r\" }]\n"))
	f.Add([]byte("[advisories]\nignore = [{ reason = \"no id\" }]\n"))
	f.Add([]byte("[advisories\n"))
	dir := f.TempDir()
	f.Fuzz(func(t *testing.T, data []byte) {
		p := filepath.Join(dir, "audit.toml")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Skip()
		}
		if list, err := Ignore(p); err == nil {
			for id, reason := range list {
				if id == "" || reason == "" {
					t.Errorf("entry %q: %q", id, reason)
				}
			}
		}
	})
}
