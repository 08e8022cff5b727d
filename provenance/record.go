package provenance

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// RecordOptions say which build to run and where its output goes.
type RecordOptions struct {
	// Command is the build command, as argv: a cargo build (cargo build, cargo auditable build, cargo rustc), whose
	// artifacts cargo reports, or anything else, whose artifacts Artifacts names.
	Command []string
	// Artifacts are artifacts of the build besides those cargo reports; they must exist once it ran.
	Artifacts []string
	// Stdin, Stdout and Stderr are the build's; cargo's JSON messages are read, not passed on.
	Stdin          io.Reader
	Stdout, Stderr io.Writer
	// Now is the clock (time.Now when nil).
	Now func() time.Time
}

// Record is what a build run left: its artifacts, when it ran, and what cargo was asked to do.
type Record struct {
	// Artifacts are the files the build produced, sorted: the deliverables cargo reported (executables, cdylibs,
	// staticlibs, dylibs, Wasm), and those named.
	Artifacts []string
	// StartedOn and FinishedOn bracket the command.
	StartedOn, FinishedOn time.Time
	// Build is the command as cargo reads it (profile, target, features, manifest), or the command alone.
	Build Build
}

// ErrBuildFailed is wrapped when the build command exits with a failure.
var ErrBuildFailed = errors.New("the build failed")

// RunBuild runs the build command and records it. A cargo build is run with --message-format=json-render-diagnostics
// added (unless it chose a message format), so that cargo names its artifacts and still prints its diagnostics;
// other output goes to Stdout. It fails when the command fails or when no artifact is found.
func RunBuild(ctx context.Context, o RecordOptions) (*Record, error) {
	if len(o.Command) == 0 {
		return nil, errors.New("no build command")
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	run := o.Command
	cargoBuild := IsCargoBuild(o.Command)
	if cargoBuild {
		run = WithMessageFormat(o.Command)
	}
	stdout := o.Stdout
	if stdout == nil {
		stdout = io.Discard
	}
	rec := &Record{StartedOn: now()}
	c := exec.CommandContext(ctx, run[0], run[1:]...)
	c.Stdin = o.Stdin
	c.Stderr = o.Stderr
	out, err := c.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, fmt.Errorf("running %s: %w", run[0], err)
	}
	var found []string
	if cargoBuild {
		found = ReadCargoMessages(out, stdout)
	} else {
		io.Copy(stdout, out)
	}
	io.Copy(io.Discard, out)
	if err := c.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return nil, fmt.Errorf("%w: %s exited with %d", ErrBuildFailed, filepath.Base(run[0]), ee.ExitCode())
		}
		return nil, err
	}
	rec.FinishedOn = now()
	for _, p := range o.Artifacts {
		if _, err := os.Stat(p); err != nil {
			return nil, fmt.Errorf("artifact %s: %w", p, err)
		}
	}
	rec.Artifacts = slices.Compact(slices.Sorted(slices.Values(append(found, o.Artifacts...))))
	if len(rec.Artifacts) == 0 {
		return nil, errors.New("the build produced no artifact ferroseal could find: name them")
	}
	rec.Build = Build{Command: o.Command}
	if cargoBuild {
		rec.Build = ParseCargoArgs(o.Command)
	}
	return rec, nil
}

// IsCargoBuild reports whether argv is a cargo command that prints JSON artifact messages when asked: cargo build,
// cargo rustc, cargo auditable build, with an optional +toolchain first.
func IsCargoBuild(argv []string) bool {
	if len(argv) < 2 || !strings.HasPrefix(filepath.Base(argv[0]), "cargo") {
		return false
	}
	for _, a := range argv[1:] {
		switch a {
		case "build", "rustc", "b":
			return true
		case "auditable":
			continue
		}
		if !strings.HasPrefix(a, "+") { // a toolchain selector like +nightly may come first
			return false
		}
	}
	return false
}

// WithMessageFormat adds --message-format=json-render-diagnostics to a cargo command (before any "--"), unless it
// chose a message format already.
func WithMessageFormat(argv []string) []string {
	for _, a := range argv {
		if a == "--" {
			break
		}
		if strings.HasPrefix(a, "--message-format") {
			return argv
		}
	}
	out := slices.Clone(argv)
	i := slices.Index(out, "--")
	if i < 0 {
		return append(out, "--message-format=json-render-diagnostics")
	}
	return slices.Insert(out, i, "--message-format=json-render-diagnostics")
}

// cargoMessage is the part of cargo's JSON messages the recorder reads.
type cargoMessage struct {
	Reason string `json:"reason"`
	Target struct {
		Kind []string `json:"kind"`
	} `json:"target"`
	Filenames  []string `json:"filenames"`
	Executable *string  `json:"executable"`
}

// ReadCargoMessages reads cargo's JSON messages (one per line, as --message-format=json writes them) and returns
// the deliverables the compiler-artifact messages name: executables, and the libraries that ship on their own
// (cdylib, staticlib, dylib; .so, .dylib, .dll, .a, .lib, .wasm files). Lines that are not cargo messages (a
// build script's or a wrapper's output) are passed to other; diagnostics were rendered to stderr by cargo.
func ReadCargoMessages(r io.Reader, other io.Writer) []string {
	var out []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var m cargoMessage
		if json.Unmarshal(line, &m) == nil && m.Reason != "" {
			if m.Reason == "compiler-artifact" {
				out = append(out, artifactsOf(m)...)
			}
			continue
		}
		fmt.Fprintf(other, "%s\n", line)
	}
	return out
}

// artifactsOf collects the deliverables a compiler-artifact message names.
func artifactsOf(m cargoMessage) []string {
	var out []string
	if m.Executable != nil && *m.Executable != "" {
		out = append(out, *m.Executable)
	}
	for _, k := range m.Target.Kind {
		switch k {
		case "cdylib", "staticlib", "dylib":
			for _, f := range m.Filenames {
				switch filepath.Ext(f) {
				case ".so", ".dylib", ".dll", ".a", ".lib", ".wasm":
					out = append(out, f)
				}
			}
		}
	}
	return out
}
