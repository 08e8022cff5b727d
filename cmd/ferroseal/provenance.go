package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/atomicfile"
	"github.com/ferroseal/ferroseal/internal/version"
	"github.com/ferroseal/ferroseal/provenance"
)

type provenanceFlags struct {
	manifestPath string
	command      string
	startedOn    string
	finishedOn   string
	output       string
	byproducts   []string
}

func (a *app) provenanceCommand() *cobra.Command {
	var f provenanceFlags
	cmd := &cobra.Command{
		Use:   "provenance ARTIFACT...",
		Short: "Write SLSA provenance for artifacts of a build that already ran",
		Long: `Write an in-toto statement with a SLSA Provenance v1 predicate about artifacts built from a cargo workspace:
the source checkout (repository, ref, commit, whether the tree was dirty), the cargo command with its profile,
target and features (from --command), every crate of Cargo.lock with its checksum, the Rust toolchain, and the
CI run (GitHub Actions and GitLab CI are read from their environment variables; elsewhere the builder says the
build was local). Times come from --started-on and --finished-on, or are left out.

The statement goes to stdout, or --provenance FILE. Sign it as it is with
  ferroseal attest ARTIFACT... --type slsaprovenance1 --predicate FILE --key KEY
(its subjects must be the artifacts given), or record the build as it runs with ferroseal build. The build type is documented in docs/buildtype-cargo-v1.md.`,
		Example: `  ferroseal provenance target/release/app --command "cargo auditable build --release --locked"
  ferroseal provenance target/release/app --manifest-path app/Cargo.toml --started-on 2026-01-02T10:00:00Z --provenance app.provenance.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			started, err := parseTimeFlag("--started-on", f.startedOn)
			if err != nil {
				return err
			}
			finished, err := parseTimeFlag("--finished-on", f.finishedOn)
			if err != nil {
				return err
			}
			var build provenance.Build
			if f.command != "" {
				build = provenance.ParseCargoArgs(strings.Fields(f.command))
			}
			stmt, err := provenance.Statement(cmd.Context(), provenance.StatementOptions{ManifestPath: f.manifestPath, Lookup: a.lookupEnv,
				Build: build, Artifacts: args, Byproducts: f.byproducts, StartedOn: started, FinishedOn: finished, ToolVersion: version.String()})
			if err != nil {
				return err
			}
			return a.writeStatement(stmt, f.output)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.manifestPath, "manifest-path", "", "Cargo.toml of the workspace built (default ./Cargo.toml)")
	fl.StringVar(&f.command, "command", "", `the build command that ran, e.g. "cargo build --release --target x86_64-unknown-linux-gnu"`)
	fl.StringVar(&f.startedOn, "started-on", "", "when the build started (RFC 3339)")
	fl.StringVar(&f.finishedOn, "finished-on", "", "when the build finished (RFC 3339)")
	fl.StringVar(&f.output, "provenance", "", "write the statement to FILE instead of stdout")
	deprecatedAlias(fl, "output", "o", &f.output, "provenance")
	fl.StringArrayVar(&f.byproducts, "byproduct", nil, "a file made along with the artifacts (an SBOM), recorded with its digest")
	return cmd
}

func parseTimeFlag(name, v string) (time.Time, error) {
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, usageErrorf("%s %q: want RFC 3339, like 2026-01-02T15:04:05Z", name, v)
	}
	return t, nil
}

// writeStatement writes an unsigned statement, indented, to a file or stdout.
func (a *app) writeStatement(stmt *attest.Statement, path string) error {
	raw, err := stmt.Bytes()
	if err != nil {
		return err
	}
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, raw, "", "  "); err != nil {
		return err
	}
	pretty.WriteByte('\n')
	if path == "" || path == "-" {
		_, err := a.stdout.Write(pretty.Bytes())
		return err
	}
	if err := atomicfile.WriteBytes(path, 0o644, pretty.Bytes()); err != nil {
		return err
	}
	a.notef("wrote %s (%d subject(s))", path, len(stmt.Subject))
	return nil
}
