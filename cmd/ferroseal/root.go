package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/ferroseal/ferroseal/internal/safetext"
	"github.com/ferroseal/ferroseal/internal/version"
	"github.com/ferroseal/ferroseal/sbom/format"
)

// app holds what a run of the command reads and writes, so that tests can run it in-process.
type app struct {
	stdin     io.Reader
	stdout    io.Writer
	stderr    io.Writer
	lookupEnv func(string) (string, bool)
	now       func() time.Time
}

func newApp(stdin io.Reader, stdout, stderr io.Writer, lookupEnv func(string) (string, bool)) *app {
	return &app{stdin: stdin, stdout: stdout, stderr: stderr, lookupEnv: lookupEnv, now: time.Now}
}

// getenv returns an environment variable, "" when unset.
func (a *app) getenv(name string) string {
	v, _ := a.lookupEnv(name)
	return v
}

// run executes the command line and returns the exit code; it prints each error once, to stderr.
func (a *app) run(ctx context.Context, args []string) int {
	root := a.rootCommand()
	root.SetArgs(args)
	err := root.ExecuteContext(ctx)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	if code == exitError && isCobraUsageError(err) {
		code = exitUsage
	}
	a.infof("%s", err.Error())
	return code
}

// infof prints a diagnostic line to stderr: "ferroseal: " and the message, which may quote text from the inputs
// (file and entry names, bundle content) and is therefore escaped, folded onto one line and bounded in length.
func (a *app) infof(format string, args ...any) {
	fmt.Fprintf(a.stderr, "ferroseal: %s\n", safetext.Line(fmt.Sprintf(format, args...), 0))
}

// warnf prints a warning line to stderr, escaped like infof.
func (a *app) warnf(format string, args ...any) {
	fmt.Fprintf(a.stderr, "ferroseal: warning: %s\n", safetext.Line(fmt.Sprintf(format, args...), 0))
}

// notef prints a line about what was done ("wrote FILE") to stderr, escaped like infof.
func (a *app) notef(format string, args ...any) {
	fmt.Fprintf(a.stderr, "%s\n", safetext.Line(fmt.Sprintf(format, args...), 0))
}

func isCobraUsageError(err error) bool {
	s := err.Error()
	for _, p := range []string{"unknown command", "unknown flag", "unknown shorthand flag", "accepts ", "requires at least", "requires at most", "invalid argument", "flag needs an argument", "if any flags in the group"} {
		if strings.Contains(s, p) {
			return true
		}
	}
	return false
}

func (a *app) rootCommand() *cobra.Command {
	root := &cobra.Command{
		Use:   "ferroseal",
		Short: "SBOMs, signed attestations and verification for Rust builds",
		Long: `ferroseal reads what a Rust build really contains (cargo metadata, Cargo.lock, and the cargo-auditable
dependency data compiled into binaries), writes CycloneDX and SPDX SBOMs, signs in-toto attestations as
Sigstore bundles, verifies downloaded artifacts against them, and audits them for known vulnerabilities
(RustSec); container images in registries too (registry:HOST/REPO:TAG), their attestations attached as OCI
referrers.

` + exitCodesHelp,
		Version:       version.String(),
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.SetIn(a.stdin)
	root.SetOut(a.stdout)
	root.SetErr(a.stderr)
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return withCode(exitUsage, suggestFlag(c, err)) })
	root.PersistentPreRunE = func(cmd *cobra.Command, _ []string) error {
		cmd.Flags().Visit(func(f *pflag.Flag) {
			if f.Deprecated != "" {
				a.warnf("--%s is deprecated: %s", f.Name, f.Deprecated)
			}
		})
		return rejectEmptyFlags(cmd)
	}
	root.AddCommand(a.auditCommand(), a.sbomCommand(), a.inspectCommand(), a.keygenCommand(), a.attestCommand(), a.verifyCommand(),
		a.buildCommand(), a.provenanceCommand(), a.releaseCommand())
	return root
}

// rejectEmptyFlags refuses a flag given explicitly with an empty value (--source-uri "", --type=""): in a script,
// that is an unset variable, and taking it as "no value" would silently drop a check. No ferroseal flag takes an
// empty value.
func rejectEmptyFlags(cmd *cobra.Command) error {
	var err error
	cmd.Flags().Visit(func(f *pflag.Flag) { // the flags given on the command line
		if err != nil {
			return
		}
		empty := false
		switch v := f.Value.(type) {
		case pflag.SliceValue:
			vals := v.GetSlice()
			empty = len(vals) == 0 || slices.Contains(vals, "")
		default:
			empty = f.Value.Type() == "string" && f.Value.String() == ""
		}
		if empty {
			err = usageErrorf("--%s was given an empty value (an unset variable?): give a value, or leave the flag out", f.Name)
		}
	})
	return err
}

// suggestFlag adds "did you mean --NAME?" to an unknown-flag error, naming the command's closest flag, as cobra
// does for unknown commands.
func suggestFlag(c *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	best, bestDist := "", 3
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if f.Hidden || f.Deprecated != "" {
			return
		}
		d := levenshtein(name, f.Name)
		if strings.HasPrefix(f.Name, name) || strings.HasPrefix(name, f.Name) {
			d = min(d, 1)
		}
		if d < bestDist {
			best, bestDist = f.Name, d
		}
	})
	if best == "" {
		return fmt.Errorf("%w (see ferroseal %s --help)", err, c.Name())
	}
	return fmt.Errorf("%w: did you mean --%s?", err, best)
}

// levenshtein is the edit distance between two short strings.
func levenshtein(a, b string) int {
	prev := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur := make([]int, len(b)+1)
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(b)]
}

// deprecatedAlias registers an old spelling of a flag, bound to the same value, hidden from help and reported as
// deprecated when used: -o once named an output file in attest, build and provenance, where it now names a format
// everywhere.
func deprecatedAlias(fl *pflag.FlagSet, name, shorthand string, value *string, replacement string) {
	fl.StringVarP(value, name, shorthand, "", "")
	fl.MarkDeprecated(name, "use --"+replacement+" FILE (-o, --output names a format in every command)")
}

// created returns the documents' creation time: SOURCE_DATE_EPOCH when set (reproducible), else the clock.
func (a *app) created() (t time.Time, reproducible bool, err error) {
	if s := a.getenv("SOURCE_DATE_EPOCH"); s != "" {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil || n < 0 || n > 253402300799 {
			return time.Time{}, false, usageErrorf("SOURCE_DATE_EPOCH=%q is not a number of seconds since 1970", s)
		}
		return time.Unix(n, 0).UTC(), true, nil
	}
	return a.now().UTC().Truncate(time.Second), false, nil
}

func (a *app) tool(reproducible bool) format.Tool {
	return format.Tool{Name: "ferroseal", Version: version.String(), Reproducible: reproducible}
}
