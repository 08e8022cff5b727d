package cargo

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferroseal/ferroseal/internal/testenv"
	"github.com/ferroseal/ferroseal/sbom"
)

// cargoTree lists the packages `cargo tree` shows for one package, with the given edge kinds, as "name@version".
// It is the independent oracle for scopes: -e normal,no-proc-macro is what is linked; -e normal,build adds what
// only runs at build time.
func cargoTree(t *testing.T, manifest, pkg, target string, features []string, edges string) []string {
	t.Helper()
	args := []string{"tree", "--manifest-path", manifest, "-p", pkg, "--target", target, "-e", edges,
		"--prefix", "none", "--format", "{p}", "--offline", "--locked"}
	if len(features) > 0 {
		args = append(args, "--features", strings.Join(features, ","))
	}
	out, err := exec.Command("cargo", args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("cargo %s: %v\n%s", strings.Join(args, " "), err, ee.Stderr)
		}
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 || f[0] == pkg {
			continue
		}
		seen[f[0]+"@"+strings.TrimPrefix(f[1], "v")] = true
	}
	var list []string
	for k := range seen {
		list = append(list, k)
	}
	slices.Sort(list)
	return list
}

func minus(a, b []string) []string {
	var out []string
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	return out
}

// TestDocumentsMatchCargoTree builds the example workspace's SBOM for two targets and two feature sets by running
// cargo metadata, and checks each scope against what cargo tree resolves for the same target and features.
func TestDocumentsMatchCargoTree(t *testing.T) {
	examples := testenv.Cargo(t)
	manifest := filepath.Join(examples, "workspace", "Cargo.toml")
	tests := []struct {
		name       string
		target     string
		features   []string
		wantInOnly []string // crates this case must have that the others must not
	}{
		{name: "linux default", target: "x86_64-unknown-linux-gnu"},
		{name: "linux logging", target: "x86_64-unknown-linux-gnu", features: []string{"ws-app/logging"}, wantInOnly: []string{"log"}},
		{name: "windows default", target: "x86_64-pc-windows-msvc", wantInOnly: []string{"winapi"}},
		{name: "windows logging", target: "x86_64-pc-windows-msvc", features: []string{"ws-app/logging"}, wantInOnly: []string{"winapi", "log"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			docs, err := FromProject(context.Background(), ProjectOptions{
				Metadata:  MetadataOptions{ManifestPath: manifest, Features: tt.features, Offline: true, Locked: true},
				Target:    tt.target,
				Documents: Options{Package: "ws-app"},
			})
			if err != nil {
				t.Fatal(err)
			}
			if len(docs) != 1 {
				t.Fatalf("%d documents, want 1", len(docs))
			}
			doc := docs[0]
			got := map[sbom.Scope][]string{}
			for _, c := range doc.Components {
				got[c.Scope] = append(got[c.Scope], c.Name+"@"+c.Version)
			}
			for _, s := range got {
				slices.Sort(s)
			}
			runtime := cargoTree(t, manifest, "ws-app", tt.target, tt.features, "normal,no-proc-macro")
			all := cargoTree(t, manifest, "ws-app", tt.target, tt.features, "normal,build")
			if diff := cmp.Diff(runtime, got[sbom.ScopeRuntime]); diff != "" {
				t.Errorf("runtime components differ from cargo tree -e normal,no-proc-macro (-cargo +sbom):\n%s", diff)
			}
			if diff := cmp.Diff(minus(all, runtime), got[sbom.ScopeBuild]); diff != "" {
				t.Errorf("build components differ from cargo tree -e normal,build minus runtime (-cargo +sbom):\n%s", diff)
			}
			if len(got[sbom.ScopeDev]) > 0 || len(got[sbom.ScopeUnknown]) > 0 {
				t.Errorf("unexpected dev or unscoped components: %v %v", got[sbom.ScopeDev], got[sbom.ScopeUnknown])
			}
			if doc.Target != tt.target {
				t.Errorf("target = %q, want %q", doc.Target, tt.target)
			}
			names := map[string]bool{}
			for _, c := range doc.Components {
				names[c.Name] = true
			}
			for _, special := range []string{"winapi", "log"} {
				if names[special] != slices.Contains(tt.wantInOnly, special) {
					t.Errorf("%s present = %v, want %v", special, names[special], !names[special])
				}
			}
		})
	}

	t.Run("include dev", func(t *testing.T) {
		docs, err := FromProject(context.Background(), ProjectOptions{
			Metadata:  MetadataOptions{ManifestPath: manifest, Offline: true, Locked: true},
			Target:    "x86_64-unknown-linux-gnu",
			Documents: Options{Package: "ws-app", IncludeDev: true},
		})
		if err != nil {
			t.Fatal(err)
		}
		nondev := cargoTree(t, manifest, "ws-app", "x86_64-unknown-linux-gnu", nil, "normal,build")
		withDev := cargoTree(t, manifest, "ws-app", "x86_64-unknown-linux-gnu", nil, "normal,build,dev")
		var dev []string
		for _, c := range docs[0].Components {
			if c.Scope == sbom.ScopeDev {
				dev = append(dev, c.Name+"@"+c.Version)
			}
		}
		slices.Sort(dev)
		if diff := cmp.Diff(minus(withDev, nondev), dev); diff != "" {
			t.Errorf("dev components (-cargo +sbom):\n%s", diff)
		}
	})
}

// TestWorkspaceDocuments checks the choice of documents: one per artifact-producing member by default, one
// workspace document on request, and a clear error for an unknown member.
func TestWorkspaceDocuments(t *testing.T) {
	examples := testenv.Cargo(t)
	manifest := filepath.Join(examples, "workspace", "Cargo.toml")
	md, err := RunMetadata(context.Background(), MetadataOptions{ManifestPath: manifest, Offline: true, Locked: true, FilterPlatform: "x86_64-unknown-linux-gnu"})
	if err != nil {
		t.Fatal(err)
	}
	docs, err := Documents(md, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 1 || docs[0].Subject.Name != "ws-app" || docs[0].Subject.Type != sbom.TypeApplication {
		t.Fatalf("default documents: want one for the binary member ws-app, got %d", len(docs))
	}

	ws, err := Documents(md, Options{Workspace: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := ws[0].Subject; got.Name != "workspace" || len(got.DependsOn) != 3 {
		t.Errorf("workspace subject = %s depending on %v, want the workspace folder over 3 members", got.Name, got.DependsOn)
	}
	scopes := map[string]sbom.Scope{}
	for _, c := range ws[0].Components {
		scopes[c.Name] = c.Scope
	}
	want := map[string]sbom.Scope{"ws-app": sbom.ScopeRuntime, "greet": sbom.ScopeRuntime, "greet-macros": sbom.ScopeBuild, "serde_derive": sbom.ScopeBuild, "itoa": sbom.ScopeRuntime, "autocfg": sbom.ScopeBuild}
	for name, s := range want {
		if scopes[name] != s {
			t.Errorf("workspace document: %s scope %q, want %q", name, scopes[name], s)
		}
	}

	lib, err := Documents(md, Options{Package: "greet"})
	if err != nil {
		t.Fatal(err)
	}
	if lib[0].Subject.Type != sbom.TypeLibrary {
		t.Errorf("greet subject type = %s, want library", lib[0].Subject.Type)
	}

	_, err = Documents(md, Options{Package: "nope"})
	if !errors.Is(err, ErrNoSuchMember) || !strings.Contains(err.Error(), "greet, greet-macros, ws-app") {
		t.Errorf("unknown member: err = %v, want ErrNoSuchMember listing the members", err)
	}
}

// TestReadMetadataRejects corrupts real cargo metadata in the ways a hostile or broken file would.
func TestReadMetadataRejects(t *testing.T) {
	examples := testenv.Cargo(t)
	out, err := exec.Command("cargo", "metadata", "--format-version", "1", "--offline", "--locked",
		"--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml")).Output()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ReadMetadata(bytes.NewReader(out)); err != nil {
		t.Fatalf("real metadata rejected: %v", err)
	}
	mutate := func(f func(m map[string]any)) []byte {
		var m map[string]any
		if err := json.Unmarshal(out, &m); err != nil {
			t.Fatal(err)
		}
		f(m)
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	nodes := func(m map[string]any) []any { return m["resolve"].(map[string]any)["nodes"].([]any) }
	tests := []struct {
		name  string
		input []byte
		want  string
	}{
		{name: "truncated", input: out[:len(out)/2], want: "unexpected EOF"},
		{name: "not json", input: []byte("Updating crates.io index\n"), want: "invalid character"},
		{name: "trailing data", input: append(append([]byte{}, out...), []byte(`{}`)...), want: "trailing data"},
		{name: "format version", input: mutate(func(m map[string]any) { m["version"] = 2 }), want: "format version 2"},
		{name: "no resolve", input: mutate(func(m map[string]any) { m["resolve"] = nil }), want: "no resolve graph"},
		{name: "unknown member", input: mutate(func(m map[string]any) { m["workspace_members"] = []string{"nope"} }), want: `workspace member "nope"`},
		{name: "dangling dependency", input: mutate(func(m map[string]any) {
			n := nodes(m)[0].(map[string]any)
			n["deps"] = []any{map[string]any{"name": "x", "pkg": "ghost", "dep_kinds": []any{}}}
		}), want: `dependency "ghost"`},
		{name: "duplicate node", input: mutate(func(m map[string]any) {
			m["resolve"].(map[string]any)["nodes"] = append(nodes(m), nodes(m)[0])
		}), want: "listed twice"},
		{name: "package without id", input: mutate(func(m map[string]any) {
			m["packages"].([]any)[0].(map[string]any)["id"] = ""
		}), want: "no id"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadMetadata(bytes.NewReader(tt.input))
			if !errors.Is(err, ErrInvalidMetadata) {
				t.Fatalf("err = %v, want ErrInvalidMetadata", err)
			}
			if !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %q, want it to mention %q", err, tt.want)
			}
		})
	}
}

func TestRunMetadataErrors(t *testing.T) {
	dir := t.TempDir()
	_, err := RunMetadata(context.Background(), MetadataOptions{ManifestPath: filepath.Join(dir, "Cargo.toml")})
	if !errors.Is(err, ErrNoManifest) {
		t.Errorf("missing manifest: err = %v, want ErrNoManifest", err)
	}
	manifest := filepath.Join(dir, "Cargo.toml")
	if err := os.WriteFile(manifest, []byte("[package]\nname = \"x\"\nversion = \"0.1.0\"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = RunMetadata(context.Background(), MetadataOptions{ManifestPath: manifest, Cargo: filepath.Join(dir, "no-cargo")})
	if !errors.Is(err, ErrCargoNotFound) {
		t.Errorf("missing cargo: err = %v, want ErrCargoNotFound", err)
	}
	if _, err := exec.LookPath("cargo"); err != nil {
		return
	}
	// A manifest cargo rejects: its own message, on one line.
	_, err = RunMetadata(context.Background(), MetadataOptions{ManifestPath: manifest, Offline: true})
	if !errors.Is(err, ErrCargoFailed) || strings.Contains(err.Error(), "\n") {
		t.Errorf("bad manifest: err = %q, want ErrCargoFailed on one line", err)
	}
}
