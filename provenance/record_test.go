package provenance

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

// TestRunBuildCargo records a real cargo build of the example workspace: the artifact is the executable cargo's
// JSON messages name, the command is read as cargo reads it, and the build's own output still reaches stdout.
func TestRunBuildCargo(t *testing.T) {
	examples := testenv.Cargo(t)
	ws := filepath.Join(t.TempDir(), "ws")
	if out, err := exec.Command("cp", "-r", filepath.Join(examples, "workspace"), ws).CombinedOutput(); err != nil {
		t.Fatalf("cp: %v %s", err, out)
	}
	os.RemoveAll(filepath.Join(ws, "target"))
	t.Setenv("CARGO_TARGET_DIR", filepath.Join(testenv.RepoRoot(t), ".tools", "examples-target"))
	var stdout, stderr bytes.Buffer
	rec, err := RunBuild(context.Background(), RecordOptions{
		Command: []string{"cargo", "build", "--release", "--offline", "--locked", "--manifest-path", filepath.Join(ws, "Cargo.toml")},
		Stdout:  &stdout, Stderr: &stderr,
	})
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr.String())
	}
	if len(rec.Artifacts) != 1 || filepath.Base(rec.Artifacts[0]) != "ws-app" {
		t.Errorf("artifacts %v, want the ws-app executable", rec.Artifacts)
	}
	if rec.Build.Profile != "release" || !rec.FinishedOn.After(rec.StartedOn) {
		t.Errorf("record %+v", rec)
	}
	if strings.Contains(stdout.String(), `"reason"`) {
		t.Errorf("cargo's JSON messages reached stdout: %s", stdout.String())
	}
}

func TestRunBuildOther(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "app.bin")
	var stdout bytes.Buffer
	rec, err := RunBuild(context.Background(), RecordOptions{
		Command:   []string{"sh", "-c", "echo built > " + out + "; echo hello"},
		Artifacts: []string{out},
		Stdout:    &stdout,
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rec.Artifacts, []string{out}) || stdout.String() != "hello\n" || rec.Build.Command[0] != "sh" {
		t.Errorf("record %+v, stdout %q", rec, stdout.String())
	}
	if _, err := RunBuild(context.Background(), RecordOptions{Command: []string{"sh", "-c", "exit 3"}}); !errors.Is(err, ErrBuildFailed) {
		t.Errorf("a failing build: %v", err)
	}
	if _, err := RunBuild(context.Background(), RecordOptions{Command: []string{"true"}}); err == nil {
		t.Error("a build without artifacts: no error")
	}
	if _, err := RunBuild(context.Background(), RecordOptions{Command: []string{"true"}, Artifacts: []string{filepath.Join(dir, "missing")}}); err == nil {
		t.Error("a named artifact that does not exist: no error")
	}
}

func TestCargoCommands(t *testing.T) {
	for argv, want := range map[string]bool{
		"cargo build --release":            true,
		"cargo auditable build":            true,
		"cargo +nightly build":             true,
		"cargo rustc --release":            true,
		"/usr/bin/cargo b":                 true,
		"cargo test":                       false,
		"cargo auditable install foo":      false,
		"make release":                     false,
		"cargo":                            false,
		"cargo-zigbuild build --release":   true, // forwards to cargo build
		"cargo +stable auditable build -q": true,
	} {
		if got := IsCargoBuild(strings.Fields(argv)); got != want {
			t.Errorf("IsCargoBuild(%q) = %v", argv, got)
		}
	}
	for in, want := range map[string]string{
		"cargo build":                       "cargo build --message-format=json-render-diagnostics",
		"cargo build -- --nocapture":        "cargo build --message-format=json-render-diagnostics -- --nocapture",
		"cargo build --message-format=json": "cargo build --message-format=json",
	} {
		if got := strings.Join(WithMessageFormat(strings.Fields(in)), " "); got != want {
			t.Errorf("WithMessageFormat(%q) = %q", in, got)
		}
	}
}

// TestReadCargoMessages reads messages of the shapes cargo writes: an executable, a cdylib with its import library,
// an rlib (not a deliverable), a build script's run, and a line that is not a message.
func TestReadCargoMessages(t *testing.T) {
	in := `{"reason":"compiler-artifact","target":{"kind":["bin"]},"filenames":["/t/release/app"],"executable":"/t/release/app"}
{"reason":"compiler-artifact","target":{"kind":["cdylib"]},"filenames":["/t/release/libplug.so","/t/release/libplug.rlib"],"executable":null}
{"reason":"compiler-artifact","target":{"kind":["lib"]},"filenames":["/t/release/libserde.rlib"],"executable":null}
{"reason":"build-script-executed","package_id":"x"}
warning from a wrapper
{"reason":"build-finished","success":true}
`
	var other bytes.Buffer
	got := ReadCargoMessages(strings.NewReader(in), &other)
	if !slices.Equal(got, []string{"/t/release/app", "/t/release/libplug.so"}) || other.String() != "warning from a wrapper\n" {
		t.Errorf("artifacts %v, other %q", got, other.String())
	}
}
