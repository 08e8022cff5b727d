package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/internal/safetext"
	"github.com/ferroseal/ferroseal/sbom/conformance"
)

// errNotConformant is the verdict of a check that found missing fields: exit 1, the report said why.
var errNotConformant = errors.New("not conformant")

func (a *app) sbomCheckCommand() *cobra.Command {
	var profile, output, maxSize string
	cmd := &cobra.Command{
		Use:   "check SBOM...",
		Short: "Check SBOMs against BSI TR-03183-2 or the NTIA minimum elements",
		Long: `Check SBOMs of any tool (CycloneDX JSON or XML, SPDX 2 JSON or tag-value, SPDX 3 JSON-LD; - is standard
input) against a profile's required fields, and list every missing or malformed one, per component, with where
the format keeps it:

  bsi-tr-03183-2  BSI TR-03183-2 v2.1.0 (the EU Cyber Resilience Act's guideline): CycloneDX 1.6 or later or SPDX
                  3.0.1 or later; the SBOM's creator and time; per component its creator, name, version, file name,
                  dependencies and their completeness, original and distribution licences, SHA-512 of its
                  deployable form, executable, archive and structured properties, source and deployable URIs,
                  and a purl, CPE or SWID; no vulnerabilities.
  ntia-minimum    the NTIA minimum elements: supplier, name, version, identifiers, dependency relationship,
                  author of the SBOM data, timestamp.

Exit code 0: conformant; 1: not conformant (or unreadable); 2: usage. --output json prints the report as JSON.
docs/bsi.md maps each field onto the formats.`,
		Example: `  ferroseal sbom check app.cdx.json --profile bsi-tr-03183-2
  ferroseal sbom check app.spdx3.json app.cdx.json --profile ntia-minimum --output json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if profile == "" {
				return usageErrorf("--profile is required: one of %s", strings.Join(conformance.Profiles, ", "))
			}
			if output != "text" && output != "json" {
				return usageErrorf("--output %q: want text or json", output)
			}
			max, err := parseSize(maxSize)
			if err != nil {
				return usageErrorf("--max-file-size: %v", err)
			}
			type named struct {
				File string `json:"file"`
				*conformance.Report
			}
			var reports []named
			for _, in := range args {
				data, err := a.readSBOM(in, max)
				if err != nil {
					return err
				}
				r, err := conformance.Check(data, profile)
				if errors.Is(err, conformance.ErrUnknownProfile) {
					return withCode(exitUsage, err)
				}
				if err != nil {
					return fmt.Errorf("%s: %w", displayName(in), err)
				}
				reports = append(reports, named{File: displayName(in), Report: r})
			}
			var buf bytes.Buffer
			if output == "json" {
				enc := json.NewEncoder(&buf)
				enc.SetIndent("", "  ")
				var v any = reports
				if len(reports) == 1 {
					v = reports[0]
				}
				if err := enc.Encode(v); err != nil {
					return err
				}
			} else {
				for _, r := range reports {
					writeCheckReport(&buf, r.File, r.Report)
				}
			}
			if _, err := a.stdout.Write(buf.Bytes()); err != nil {
				return err
			}
			for _, r := range reports {
				if !r.Conformant {
					return withCode(exitError, fmt.Errorf("%s: %w to %s (%d findings)", r.File, errNotConformant, r.Profile, len(r.Findings)))
				}
			}
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&profile, "profile", "", "the profile: "+strings.Join(conformance.Profiles, " or "))
	fl.StringVar(&output, "output", "text", "text or json")
	fl.StringVar(&maxSize, "max-file-size", "256MiB", "largest SBOM read")
	return cmd
}

// writeCheckReport writes a report for people: the verdict, then each finding (the document's first, then by
// component), then the count per field. Every string from the document is escaped for the terminal.
func writeCheckReport(w *bytes.Buffer, file string, r *conformance.Report) {
	verdict := "conformant"
	if !r.Conformant {
		verdict = fmt.Sprintf("NOT conformant: %d findings", len(r.Findings))
	}
	fmt.Fprintf(w, "%s: %s, %d components: %s to %s\n", safetext.Line(file, 0), r.Format, r.Components, verdict, r.Profile)
	for _, f := range r.Findings {
		who := "document"
		if f.Component != "" {
			who = f.Name
			if who == "" {
				who = f.Component
			}
		}
		fmt.Fprintf(w, "  %s: %s: %s\n", safetext.Line(who, 120), f.Field, f.Problem)
	}
	if len(r.Summary) > 0 {
		fmt.Fprintf(w, "  summary:")
		for i, s := range r.Summary {
			if i > 0 {
				w.WriteString(";")
			}
			fmt.Fprintf(w, " %s %d", s.Field, s.Count)
		}
		w.WriteString("\n")
	}
}
