package main

import (
	"bufio"
	"errors"
	"fmt"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/internal/safetext"
	"github.com/ferroseal/ferroseal/sbom/auditable"
)

const inspectNotAuditableHint = "build it with `cargo auditable build` (cargo install cargo-auditable) to embed its dependency list; " +
	"`ferroseal sbom --heuristic` recovers a partial list from the binary"

func (a *app) inspectCommand() *cobra.Command {
	var (
		raw            bool
		maxFileSize    string
		maxPayloadSize string
	)
	cmd := &cobra.Command{
		Use:   "inspect BINARY",
		Short: "Show the cargo-auditable dependency data embedded in a binary",
		Long: `Show the dependency data cargo-auditable embedded in a binary: a readable summary, or with --raw the
embedded JSON byte for byte (as rust-audit-info prints it; one line per slice of a universal Mach-O binary).`,
		Example: `  ferroseal inspect target/release/app
  ferroseal inspect --raw app.exe | jq .`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var opts auditable.Options
			var err error
			if opts.MaxFileSize, err = parseSize(maxFileSize); err != nil {
				return usageErrorf("--max-file-size: %v", err)
			}
			if opts.MaxPayloadSize, err = parseSize(maxPayloadSize); err != nil {
				return usageErrorf("--max-payload-size: %v", err)
			}
			f, err := auditable.ReadFile(args[0], opts)
			if errors.Is(err, auditable.ErrNotAuditable) {
				return withCode(exitNotAuditable, fmt.Errorf("%w: %s", err, inspectNotAuditableHint))
			}
			if err != nil {
				return err
			}
			w := bufio.NewWriter(a.stdout)
			if raw {
				for _, s := range f.Slices {
					w.Write(s.JSON)
					if !strings.HasSuffix(string(s.JSON), "\n") {
						w.WriteString("\n")
					}
				}
				return w.Flush()
			}
			writeSummary(w, args[0], f)
			return w.Flush()
		},
	}
	cmd.Flags().BoolVar(&raw, "raw", false, "print the embedded JSON as it is")
	cmd.Flags().StringVar(&maxFileSize, "max-file-size", "1GiB", "largest binary read")
	cmd.Flags().StringVar(&maxPayloadSize, "max-payload-size", "8MiB", "largest decompressed cargo-auditable data accepted")
	return cmd
}

func writeSummary(w *bufio.Writer, path string, f *auditable.File) {
	// Names and versions are validated by the reader; the path, sources and compiler line are escaped here.
	c := func(s string) string { return safetext.Line(s, 256) }
	fmt.Fprintf(w, "%s: %s, %d slice(s)\n", c(path), f.Container, len(f.Slices))
	for _, s := range f.Slices {
		p := s.Payload
		fmt.Fprintf(w, "\n%s: section %s, format %d", c(s.Arch), c(s.Section), p.Format)
		if p.EffectiveFormat() != p.Format {
			fmt.Fprintf(w, " (read as %d)", p.EffectiveFormat())
		}
		if s.Legacy {
			fmt.Fprint(w, ", legacy")
		}
		fmt.Fprintf(w, ", %d crates\n", len(p.Packages))
		if s.Compiler != "" {
			fmt.Fprintf(w, "compiler: %s\n", c(s.Compiler))
		}
		if r := p.Root(); r >= 0 {
			fmt.Fprintf(w, "root: %s %s\n", c(p.Packages[r].Name), c(p.Packages[r].Version))
		}
		if p.ProcMacroKindsUnreliable() && !s.Legacy {
			fmt.Fprintln(w, "note: format 0: proc-macro crates may be marked runtime")
		}
		tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(tw, "CRATE\tVERSION\tSOURCE\tKIND\tDEPENDS ON")
		for _, pkg := range p.Packages {
			kind := pkg.Kind
			if kind == "" {
				kind = "runtime"
			}
			var deps []string
			for _, d := range pkg.Dependencies {
				deps = append(deps, p.Packages[d].Name)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", c(pkg.Name), c(pkg.Version), c(pkg.Source), kind, safetext.Line(strings.Join(deps, ", "), 0))
		}
		tw.Flush()
	}
}
