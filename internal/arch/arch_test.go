// Package arch holds tests of the module's shape: which packages may import which.
package arch

import (
	"encoding/json"
	"fmt"
	"os/exec"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

type pkg struct {
	ImportPath string
	Name       string
	Standard   bool
	Imports    []string
	Deps       []string
}

func list(t *testing.T, patterns ...string) []pkg {
	t.Helper()
	out, err := exec.Command("go", append([]string{"list", "-json=ImportPath,Name,Standard,Imports,Deps"}, patterns...)...).Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	var pkgs []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

func standard(t *testing.T) map[string]bool {
	out, err := exec.Command("go", "list", "std").Output()
	if err != nil {
		t.Fatal(err)
	}
	std := map[string]bool{}
	for _, p := range strings.Fields(string(out)) {
		std[p] = true
	}
	return std
}

const module = "github.com/ferroseal/ferroseal/"

// TestAuditableIsStandardLibraryOnly: the reader most exposed to hostile input depends on the standard library
// and a few small packages of the module (limits, the input-file opener, cargo's name grammar, the strict JSON
// check; themselves standard library only, which the transitive list checked here shows), so that it can be fuzzed
// and audited in isolation.
func TestAuditableIsStandardLibraryOnly(t *testing.T) {
	std := standard(t)
	allowed := map[string]bool{}
	for _, p := range []string{"limits", "inputfile", "cargoname", "jsonstrict"} {
		allowed[module+"internal/"+p] = true
	}
	for _, p := range list(t, module+"sbom/auditable") {
		for _, d := range p.Deps {
			if !std[d] && !allowed[d] && !strings.HasPrefix(d, "vendor/") {
				t.Errorf("%s imports %s", p.ImportPath, d)
			}
		}
	}
}

// TestLibrariesDoNotImportTheCLI: library packages (every package of the module but the commands) never depend on
// the CLI, and never import cobra, pflag or a logging framework themselves (sigstore-go's dependencies bring cobra
// along; that is theirs): the CLI is flags, options, one library call, printing.
func TestLibrariesDoNotImportTheCLI(t *testing.T) {
	checked := 0
	for _, p := range list(t, module+"...") {
		if p.Name == "main" {
			continue
		}
		checked++
		for _, d := range p.Deps {
			if strings.HasPrefix(d, module+"cmd/") {
				t.Errorf("%s depends on %s", p.ImportPath, d)
			}
		}
		for _, d := range p.Imports {
			for _, banned := range []string{"github.com/spf13/cobra", "github.com/spf13/pflag", "github.com/sirupsen/logrus", "go.uber.org/zap", "log", "log/slog"} {
				if d == banned || strings.HasPrefix(d, banned+"/") {
					t.Errorf("%s imports %s", p.ImportPath, d)
				}
			}
		}
	}
	if checked < 10 {
		t.Errorf("only %d library packages found", checked)
	}
}

// TestCommandIsThin: the command holds no logic a Go caller would need; judged here by the one measure a test can
// apply, its size against the libraries' (its tests excepted).
func TestCommandIsThin(t *testing.T) {
	lines := func(pattern string) int {
		out, err := exec.Command("sh", "-c", "cat $(ls "+pattern+" | grep -v _test.go) | wc -l").Output()
		if err != nil {
			t.Fatal(err)
		}
		var n int
		fmt.Sscan(strings.TrimSpace(string(out)), &n)
		return n
	}
	root := testenv.RepoRoot(t)
	cmd := lines(root + "/cmd/ferroseal/*.go")
	libs := 0
	for _, dir := range []string{"sbom", "sbom/*", "attest", "attest/*", "provenance", "release", "advisory", "audit"} {
		libs += lines(root + "/" + dir + "/*.go")
	}
	t.Logf("cmd/ferroseal: %d lines; libraries: %d", cmd, libs)
	if cmd*4 > libs {
		t.Errorf("cmd/ferroseal has %d lines, more than a quarter of the libraries' %d", cmd, libs)
	}
}

// TestModelIsFormatNeutral: readers never know about a format, encoders never know where data came from.
func TestModelIsFormatNeutral(t *testing.T) {
	rules := map[string][]string{
		module + "sbom":           {module + "sbom/", "github.com/CycloneDX", "github.com/spdx"},
		module + "sbom/cargo":     {module + "sbom/cyclonedx", module + "sbom/spdx", module + "sbom/binary", "github.com/CycloneDX", "github.com/spdx"},
		module + "sbom/binary":    {module + "sbom/cyclonedx", module + "sbom/spdx", module + "sbom/cargo", "github.com/CycloneDX", "github.com/spdx"},
		module + "sbom/cargosbom": {module + "sbom/cyclonedx", module + "sbom/spdx", module + "sbom/cargo", module + "sbom/binary", "github.com/CycloneDX", "github.com/spdx"},
		module + "sbom/cyclonedx": {module + "sbom/cargo", module + "sbom/binary", module + "sbom/auditable", module + "sbom/spdx"},
		module + "sbom/spdx":      {module + "sbom/cargo", module + "sbom/binary", module + "sbom/auditable", module + "sbom/cyclonedx"},
	}
	for path, banned := range rules {
		for _, p := range list(t, path) {
			for _, d := range p.Deps {
				for _, b := range banned {
					// b names a package and those below it (sbom/cargo bans sbom/cargo/x, not sbom/cargosbom).
					if d == b || strings.HasPrefix(d, strings.TrimSuffix(b, "/")+"/") {
						t.Errorf("%s imports %s", p.ImportPath, d)
					}
				}
			}
		}
	}
}
