package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/provenance"
)

type buildFlags struct {
	sign         signFlags
	output       string
	artifacts    []string
	manifestPath string
	byproducts   []string
}

func (a *app) buildCommand() *cobra.Command {
	var f buildFlags
	cmd := &cobra.Command{
		Use:   "build [flags] -- COMMAND [ARG...]",
		Short: "Run a build and record its SLSA provenance",
		Long: `Run a build command (cargo build, cargo auditable build, cargo rustc, or anything else), record when it
started and finished, find the artifacts it produced (from cargo's JSON artifact messages: the binaries, cdylibs,
staticlibs and dylibs of the build; --artifact adds others, and names them for builds that are not cargo's), and
write one provenance statement about all of them (SLSA Provenance v1; see ferroseal provenance --help for what it
records). With --key the statement is signed into a Sigstore bundle, otherwise written as is.

Output: provenance.intoto.json (unsigned) or provenance.sigstore.json (signed); -o chooses, and a .jsonl file
gets the bundle appended as one line.`,
		Example: `  ferroseal build -- cargo auditable build --release --locked
  ferroseal build --key ferroseal.key -o dist/multiple.intoto.jsonl -- cargo build --release --target x86_64-unknown-linux-musl
  ferroseal build --artifact out/app -- make release`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runBuild(cmd, &f, args) },
	}
	f.sign.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&f.output, "output", "o", "", "statement or bundle file (default provenance.intoto.json, or provenance.sigstore.json when signed)")
	fl.StringArrayVar(&f.artifacts, "artifact", nil, "an artifact of the build, besides those cargo reports")
	fl.StringVar(&f.manifestPath, "manifest-path", "", "Cargo.toml of the workspace built (default: the command's --manifest-path, else ./Cargo.toml)")
	fl.StringArrayVar(&f.byproducts, "byproduct", nil, "a file made along with the artifacts (an SBOM), recorded with its digest")
	return cmd
}

// isCargoBuild reports whether argv is a cargo command that prints JSON artifact messages when asked.
func isCargoBuild(argv []string) bool {
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

// withMessageFormat adds --message-format=json-render-diagnostics to a cargo command (before any "--"), unless it
// chose a message format already.
func withMessageFormat(argv []string) []string {
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

// cargoMessage is the part of cargo's JSON messages ferroseal reads.
type cargoMessage struct {
	Reason string `json:"reason"`
	Target struct {
		Kind []string `json:"kind"`
	} `json:"target"`
	Filenames  []string `json:"filenames"`
	Executable *string  `json:"executable"`
	Message    struct {
		Rendered string `json:"rendered"`
	} `json:"message"`
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

func (a *app) runBuild(cmd *cobra.Command, f *buildFlags, argv []string) error {
	signing := f.sign.key != ""
	var signOpts attest.SignOptions
	if signing { // load the key first: a wrong password should not cost a build
		var err error
		if signOpts, err = a.signOptions(cmd, &f.sign); err != nil {
			return err
		}
	}
	run := argv
	cargoBuild := isCargoBuild(argv)
	if cargoBuild {
		run = withMessageFormat(argv)
	}
	started := a.now()
	c := exec.CommandContext(cmd.Context(), run[0], run[1:]...)
	c.Stdin = a.stdin
	c.Stderr = a.stderr
	stdout, err := c.StdoutPipe()
	if err != nil {
		return err
	}
	if err := c.Start(); err != nil {
		return fmt.Errorf("running %s: %w", run[0], err)
	}
	var found []string
	sc := bufio.NewScanner(stdout)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	for sc.Scan() {
		line := sc.Bytes()
		var m cargoMessage
		if cargoBuild && json.Unmarshal(line, &m) == nil && m.Reason != "" {
			switch m.Reason {
			case "compiler-artifact":
				found = append(found, artifactsOf(m)...)
			case "compiler-message":
				// json-render-diagnostics already printed it to stderr.
			}
			continue
		}
		fmt.Fprintf(a.stdout, "%s\n", line)
	}
	io.Copy(io.Discard, stdout)
	if err := c.Wait(); err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return fmt.Errorf("the build failed (%s exited with %d): no provenance written", filepath.Base(run[0]), ee.ExitCode())
		}
		return err
	}
	finished := a.now()
	for _, p := range f.artifacts {
		if _, err := os.Stat(p); err != nil {
			return fmt.Errorf("--artifact: %w", err)
		}
	}
	artifacts := slices.Compact(slices.Sorted(slices.Values(append(found, f.artifacts...))))
	if len(artifacts) == 0 {
		return errors.New("the build produced no artifact ferroseal could find: name them with --artifact")
	}

	build := provenance.ParseCargoArgs(argv)
	if !cargoBuild {
		build = provenance.Build{Command: argv}
	}
	manifest := f.manifestPath
	if manifest == "" {
		manifest = build.ManifestPath
	}
	stmt, err := a.provenanceStatement(cmd, manifest, build, artifacts, f.byproducts, started, finished)
	if err != nil {
		return err
	}
	for _, p := range artifacts {
		a.infof("artifact %s", p)
	}
	if !signing {
		out := f.output
		if out == "" {
			out = "provenance.intoto.json"
		}
		return a.writeStatement(stmt, out)
	}
	bundle, err := attest.Sign(cmd.Context(), stmt, signOpts)
	if err != nil {
		return err
	}
	out := f.output
	if out == "" {
		out = "provenance.sigstore.json"
	}
	if strings.HasSuffix(out, ".jsonl") {
		err = attest.AppendJSONL(out, bundle)
	} else {
		err = attest.WriteBundle(out, bundle)
	}
	if err != nil {
		return err
	}
	a.notef("wrote %s (SLSA provenance, %d subject(s), signed)", out, len(stmt.Subject))
	return nil
}
