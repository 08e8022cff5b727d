// Command mkpayload writes a cargo-auditable payload for one workspace member from `cargo metadata` JSON:
//
//	cargo metadata --format-version 1 --filter-platform TRIPLE | go run ./internal/auditablegen/mkpayload -root NAME -o OUT
//
// It writes OUT (the zlib stream) and OUT.json (the JSON). It builds test fixtures and example binaries. With
// -bins it prints instead "PACKAGE BIN" for each binary target of the workspace members.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/ferroseal/ferroseal/internal/auditablegen"
	"github.com/ferroseal/ferroseal/sbom/cargo"
)

func main() {
	root := flag.String("root", "", "workspace member the payload describes")
	format := flag.Int("format", 1, "payload format number")
	omit := flag.Bool("omit-format", false, "leave the format field out (as cargo-auditable before format 1)")
	out := flag.String("o", "", "output file (the zlib stream; OUT.json gets the JSON)")
	bins := flag.Bool("bins", false, "list the workspace members' binary targets")
	flag.Parse()
	if *bins {
		if err := listBins(); err != nil {
			fmt.Fprintln(os.Stderr, "mkpayload:", err)
			os.Exit(1)
		}
		return
	}
	if err := run(*root, *format, *omit, *out); err != nil {
		fmt.Fprintln(os.Stderr, "mkpayload:", err)
		os.Exit(1)
	}
}

func run(root string, format int, omit bool, out string) error {
	if root == "" || out == "" {
		return fmt.Errorf("-root and -o are required")
	}
	m, err := cargo.ReadMetadata(os.Stdin)
	if err != nil {
		return err
	}
	p, err := auditablegen.FromMetadata(m, auditablegen.Options{Root: root, Format: format, OmitFormat: omit})
	if err != nil {
		return err
	}
	js, z, err := auditablegen.Encode(p, omit)
	if err != nil {
		return err
	}
	if err := os.WriteFile(out+".json", append(js, '\n'), 0o644); err != nil {
		return err
	}
	if err := os.WriteFile(out, z, 0o644); err != nil {
		return err
	}
	fmt.Fprintf(os.Stderr, "%s: %d packages, %d bytes of JSON, %d compressed\n", out, len(p.Packages), len(js), len(z))
	return nil
}

func listBins() error {
	m, err := cargo.ReadMetadata(os.Stdin)
	if err != nil {
		return err
	}
	for _, id := range m.WorkspaceMembers {
		p := m.Package(id)
		for _, t := range p.Targets {
			for _, k := range t.Kind {
				if k == "bin" {
					fmt.Println(p.Name, t.Name)
				}
			}
		}
	}
	return nil
}
