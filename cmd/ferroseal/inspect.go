package main

import (
	"bufio"
	"errors"
	"fmt"
	"os"
	"strings"
	"text/tabwriter"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/internal/safetext"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/binary"
)

const inspectNotAuditableHint = "build it with `cargo auditable build` (cargo install cargo-auditable) to embed its dependency list; " +
	"`ferroseal sbom --heuristic` recovers a partial list from the binary"

func (a *app) inspectCommand() *cobra.Command {
	var (
		raw            bool
		maxFileSize    string
		maxPayloadSize string
		platform       string
	)
	cmd := &cobra.Command{
		Use:   "inspect BINARY|ARCHIVE|PACKAGE|IMAGE|registry:REF",
		Short: "Show the cargo-auditable dependency data embedded in a binary, or in the binaries of a container",
		Long: `Show the dependency data cargo-auditable embedded in a binary: a readable summary, or with --raw the
embedded JSON byte for byte (as rust-audit-info prints it; one line per slice of a universal Mach-O binary or
core module of a WebAssembly component). For a release archive, a Debian or RPM package or a container image (an
OCI layout directory, an OCI archive, a docker-archive), each binary inside it: its path, for an image the layer
that provides it, and its crates.`,
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
			var pf *v1.Platform
			if platform != "" {
				if pf, err = binary.ParsePlatform(platform); err != nil {
					return withCode(exitUsage, err)
				}
			}
			if strings.HasPrefix(args[0], binary.RegistryPrefix) || strings.HasPrefix(args[0], binary.LayoutPrefix) || strings.HasPrefix(args[0], binary.DockerArchivePrefix) {
				if raw {
					return usageErrorf("--raw prints one binary's data: %s is an image", args[0])
				}
				return a.inspectContainer(cmd, args[0], opts, pf)
			}
			st, err := os.Stat(args[0])
			if err != nil {
				return err
			}
			var f *auditable.File
			if !st.IsDir() {
				f, err = auditable.ReadFile(args[0], opts)
			}
			if st.IsDir() || errors.Is(err, auditable.ErrUnknownFormat) {
				// A container of binaries: an archive, a package, a container image.
				if raw {
					return usageErrorf("--raw prints one binary's data: %s is not a binary", args[0])
				}
				return a.inspectContainer(cmd, args[0], opts, pf)
			}
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
	cmd.Flags().StringVar(&platform, "platform", "", "for a multi-platform image, the platform to inspect (os/arch[/variant]; default all)")
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

// inspectContainer shows each binary of a container: where it is (and in an image, which layer provides it), and
// its crates, or why it has none.
func (a *app) inspectContainer(cmd *cobra.Command, path string, opts auditable.Options, platform *v1.Platform) error {
	items, err := binary.Scan(cmd.Context(), []string{path}, binary.ScanOptions{Options: binary.Options{Auditable: opts}, Platform: platform})
	if err != nil {
		return err
	}
	w := bufio.NewWriter(a.stdout)
	found := 0
	for i, it := range items {
		if i > 0 {
			w.WriteString("\n")
		}
		if it.Image != nil {
			fmt.Fprintf(w, "%s\n  image %s (%s), layer %s\n", safetext.Line(it.Image.Path, 0), safetext.Line(it.Image.Name, 256),
				safetext.Line(it.Image.Platform, 64), safetext.Line(it.Image.Layer, 100))
		}
		switch {
		case it.Err != nil && errors.Is(it.Err, auditable.ErrNotAuditable):
			fmt.Fprintf(w, "%s: no cargo-auditable dependency data\n", safetext.Line(it.Path, 0))
		case it.Err != nil:
			fmt.Fprintf(w, "%s: %s\n", safetext.Line(it.Path, 0), safetext.Line(strings.TrimPrefix(it.Err.Error(), it.Path+": "), 0))
		default:
			found++
			writeSummary(w, it.Path, it.Result.File)
		}
	}
	if err := w.Flush(); err != nil {
		return err
	}
	if found == 0 {
		return withCode(exitNotAuditable, fmt.Errorf("%s: no binary with cargo-auditable data in it", path))
	}
	return nil
}
