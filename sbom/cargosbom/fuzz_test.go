package cargosbom

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzPrecursor: any input is a precursor or an error, never a panic or a hang; what parses merges into crates
// whose indices are in range, one root, and no local path in a source.
func FuzzPrecursor(f *testing.F) {
	files, _ := filepath.Glob("testdata/precursor/*.json")
	if len(files) == 0 {
		f.Fatal("no seeds")
	}
	for _, file := range files {
		data, err := os.ReadFile(file)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`{"version":1,"root":0,"crates":[{"id":"path+file:///a#1.0.0","dependencies":[{"index":0,"kind":"normal"}]}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		pre, err := Parse(data)
		if err != nil {
			return
		}
		pkgs := pre.Packages()
		roots := 0
		for i, p := range pkgs {
			if p.Root {
				roots++
			}
			for _, d := range p.Deps {
				if d < 0 || d >= len(pkgs) || d == i {
					t.Fatalf("package %d: dependency %d", i, d)
				}
			}
			if strings.Contains(p.Source.URL, "file:") {
				t.Fatalf("local path in %q", p.Source.URL)
			}
		}
		if roots != 1 {
			t.Fatalf("%d roots", roots)
		}
	})
}
