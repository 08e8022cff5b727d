package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/version"
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

Output: provenance.intoto.json (unsigned) or provenance.sigstore.json (signed); --provenance chooses, and a .jsonl file
gets the bundle appended as one line.`,
		Example: `  ferroseal build -- cargo auditable build --release --locked
  ferroseal build --key ferroseal.key --provenance dist/multiple.intoto.jsonl -- cargo build --release --target x86_64-unknown-linux-musl
  ferroseal build --artifact out/app -- make release`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runBuild(cmd, &f, args) },
	}
	f.sign.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.output, "provenance", "", "the provenance file to write: a statement (default provenance.intoto.json), or a bundle when signed (provenance.sigstore.json; a .jsonl gets it appended)")
	deprecatedAlias(fl, "output", "o", &f.output, "provenance")
	fl.StringArrayVar(&f.artifacts, "artifact", nil, "an artifact of the build, besides those cargo reports")
	fl.StringVar(&f.manifestPath, "manifest-path", "", "Cargo.toml of the workspace built (default: the command's --manifest-path, else ./Cargo.toml)")
	fl.StringArrayVar(&f.byproducts, "byproduct", nil, "a file made along with the artifacts (an SBOM), recorded with its digest")
	return cmd
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
	rec, err := provenance.RunBuild(cmd.Context(), provenance.RecordOptions{Command: argv, Artifacts: f.artifacts,
		Stdin: a.stdin, Stdout: a.stdout, Stderr: a.stderr, Now: a.now})
	if errors.Is(err, provenance.ErrBuildFailed) {
		return fmt.Errorf("%w: no provenance written", err)
	}
	if err != nil {
		return err
	}
	manifest := f.manifestPath
	if manifest == "" {
		manifest = rec.Build.ManifestPath
	}
	stmt, err := provenance.Statement(cmd.Context(), provenance.StatementOptions{ManifestPath: manifest, Lookup: a.lookupEnv,
		Build: rec.Build, Artifacts: rec.Artifacts, Byproducts: f.byproducts, StartedOn: rec.StartedOn, FinishedOn: rec.FinishedOn,
		ToolVersion: version.String()})
	if err != nil {
		return err
	}
	for _, p := range rec.Artifacts {
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
