package main

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/advisory"
	"github.com/ferroseal/ferroseal/audit"
	"github.com/ferroseal/ferroseal/internal/atomicfile"
	"github.com/ferroseal/ferroseal/internal/version"
	"github.com/ferroseal/ferroseal/sbom/auditable"
)

type auditFlags struct {
	db, dbURL, dbSHA256 string
	fetch               bool
	outputs             []string
	ignore              []string
	ignoreFile          string
	deny                []string
	author              string
	maxSize             string
	heuristic           bool
}

func (a *app) auditCommand() *cobra.Command {
	var f auditFlags
	cmd := &cobra.Command{
		Use:   "audit ARTIFACT|DIR|registry:IMAGE|SBOM|Cargo.lock...",
		Short: "Known vulnerabilities (RustSec) in what shipped: binaries, archives, images, SBOMs, lockfiles",
		Long: `Match the crates an artifact really contains against the RustSec advisory database, offline.

Inputs: a binary with cargo-auditable data or a release archive (its crates and its digests), a directory (its
binaries and archives), a container image (registry:HOST/REPO:TAG, oci-layout:DIR, docker-archive:FILE, or an OCI
layout directory; each platform audited for its own target), an SBOM of any tool (CycloneDX, SPDX 2 or 3) or a
Cargo.lock.
crates.io crates are matched by name and version (cargo's semver rules); git and other registries' crates are
listed as not matched (a crates.io advisory says nothing about them) and local crates never are. Crates that ran
on the build machine only (build scripts' and proc-macros' dependencies) are reported apart; dev-dependencies are
left out. An advisory limited to operating systems or architectures that the binary was not built for (read from
its ELF, PE, Mach-O or WebAssembly headers, or cargo's target triple) is not_affected, with that reason. Where an
advisory names affected functions and the binary has a symbol table, whether their symbols are present is shown:
a hint, never a verdict.

The database is a checkout of github.com/rustsec/advisory-db (--db DIR, default cargo-audit's
$CARGO_HOME/advisory-db) or a directory of its OSV export. --fetch downloads it over HTTPS first (--db-url,
--db-sha256 to pin the tarball).

-o FORMAT[=FILE], repeatable: table (default), json, sarif (code scanning), openvex and cyclonedx-vex (a
statement per advisory: affected, not_affected with the reason, or fixed, bound to the artifact's digest), vulns
(the in-toto vulnerability scan predicate). Sign the OpenVEX or vulns document with
  ferroseal attest ARTIFACT --type openvex --predicate ARTIFACT.openvex.json --key KEY
or let ferroseal release --audit do it.
--ignore ID and --ignore-file audit.toml ([advisories] ignore = [...], cargo-audit's form; entries may be
{ id = "...", reason = "..." }) turn findings into not_affected statements with the reason: the decision is
recorded, not lost.

Exit codes: 0 no vulnerability; 5 vulnerabilities found (and, with --deny warnings, informational advisories:
unmaintained, unsound; with --deny build, vulnerable build-only crates); 1 error; 2 usage; 4 a binary without
cargo-auditable data.`,
		Example: `  ferroseal audit target/release/app
  ferroseal audit dist/ --db ~/.cargo/advisory-db -o table -o sarif=audit.sarif -o openvex=app.openvex.json
  ferroseal audit app.cdx.json Cargo.lock --fetch --deny warnings
  ferroseal audit app --ignore-file audit.toml -o cyclonedx-vex=app.vex.cdx.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runAudit(cmd, &f, args) },
	}
	fl := cmd.Flags()
	fl.StringVar(&f.db, "db", "", "advisory database directory: a RustSec checkout or OSV files (default $CARGO_HOME/advisory-db)")
	fl.BoolVar(&f.fetch, "fetch", false, "download the database over HTTPS into --db first")
	fl.StringVar(&f.dbURL, "db-url", audit.DefaultDatabaseURL, "with --fetch: the gzipped tarball of the database")
	fl.StringVar(&f.dbSHA256, "db-sha256", "", "with --fetch: the tarball's SHA-256; any other download is refused")
	fl.StringArrayVarP(&f.outputs, "output", "o", nil, "output FORMAT[=FILE], repeatable: "+strings.Join(advisory.Formats, ", ")+" (default table on stdout)")
	fl.StringArrayVar(&f.ignore, "ignore", nil, "an advisory id (or alias) to record as not_affected, repeatable")
	fl.StringVar(&f.ignoreFile, "ignore-file", "", "an audit.toml with [advisories] ignore = [...]")
	fl.StringArrayVar(&f.deny, "deny", nil, "also fail on: warnings (unmaintained, unsound, notices), build (vulnerable build-only crates)")
	fl.StringVar(&f.author, "vex-author", "ferroseal", "the author of VEX documents (a person or organization, ideally a URI or e-mail address)")
	fl.StringVar(&f.maxSize, "max-file-size", "256MiB", "largest SBOM read")
	fl.BoolVar(&f.heuristic, "heuristic", false, "audit a binary without cargo-auditable data for the crates its registry paths name (partial: what was not found is not checked)")
	return cmd
}

type auditOutput struct {
	format, path string
}

func (a *app) runAudit(cmd *cobra.Command, f *auditFlags, args []string) error {
	var outs []auditOutput
	if len(f.outputs) == 0 {
		f.outputs = []string{advisory.Table}
	}
	for _, o := range f.outputs {
		name, path, _ := strings.Cut(o, "=")
		if !slices.Contains(advisory.Formats, name) {
			return usageErrorf("-o %s: want one of %s", name, strings.Join(advisory.Formats, ", "))
		}
		if path == "-" {
			path = ""
		}
		if path == "" && slices.ContainsFunc(outs, func(x auditOutput) bool { return x.path == "" }) {
			return usageErrorf("more than one -o writes to stdout: give each format but one a file (-o FORMAT=FILE)")
		}
		outs = append(outs, auditOutput{format: name, path: path})
	}
	for _, d := range f.deny {
		if d != "warnings" && d != "build" {
			return usageErrorf("--deny %q: want warnings or build", d)
		}
	}
	if !f.fetch && (cmd.Flags().Changed("db-url") || f.dbSHA256 != "") {
		return usageErrorf("--db-url and --db-sha256 say what --fetch downloads: add --fetch")
	}
	max, err := parseSize(f.maxSize)
	if err != nil {
		return usageErrorf("--max-file-size: %v", err)
	}
	ignore, err := ignoreList(f.ignoreFile, f.ignore)
	if err != nil {
		return err
	}
	dir := a.advisoryDir(f.db)
	if f.fetch {
		sum, err := audit.Fetch(cmd.Context(), &http.Client{Timeout: 5 * time.Minute}, f.dbURL, dir, f.dbSHA256)
		if err != nil {
			return err
		}
		a.infof("fetched the advisory database (sha256:%s) into %s", sum, dir)
	}
	db, err := loadAdvisories(dir, f.db != "")
	if err != nil {
		return err
	}
	created, _, err := a.created()
	if err != nil {
		return err
	}
	inputs, err := audit.Read(cmd.Context(), args, audit.ReadOptions{MaxSBOMSize: max, Created: created, Log: a.infof, Heuristic: f.heuristic})
	if errors.Is(err, auditable.ErrNotAuditable) {
		return withCode(exitNotAuditable, fmt.Errorf("%w: audit its SBOM or Cargo.lock instead, or %s", err, notAuditableHint))
	}
	if err != nil {
		return err
	}
	reports := audit.Run(db, inputs, advisory.Options{Ignore: ignore})
	meta := advisory.Meta{Author: f.author, Time: created, Tool: "ferroseal", ToolVersion: version.String(), Database: dir, DatabaseUpdated: db.Updated()}
	for _, o := range outs {
		var buf bytes.Buffer
		if err := advisory.Write(&buf, o.format, reports, meta); err != nil {
			return err
		}
		if o.path == "" {
			if _, err := a.stdout.Write(buf.Bytes()); err != nil {
				return err
			}
			continue
		}
		if err := atomicfile.WriteBytes(o.path, 0o644, buf.Bytes()); err != nil {
			return err
		}
		a.notef("wrote %s (%s)", o.path, o.format)
	}
	var vulns, warnings, build int
	for _, r := range reports {
		vulns += len(r.Vulnerabilities())
		warnings += len(r.Warnings())
		build += len(r.BuildOnly())
	}
	failing := vulns
	if slices.Contains(f.deny, "warnings") {
		failing += warnings
	}
	if slices.Contains(f.deny, "build") {
		failing += build
	}
	if failing > 0 {
		return withCode(exitVulnerable, fmt.Errorf("%d vulnerabilities, %d in build-only crates, %d warnings (database %s, %d advisories)", vulns, build, warnings, dir, db.Len()))
	}
	a.infof("no vulnerability: %d in build-only crates, %d warnings (database %s, %d advisories)", build, warnings, dir, db.Len())
	return nil
}

// advisoryDir is the advisory database directory: the one given, else cargo-audit's ($CARGO_HOME/advisory-db).
func (a *app) advisoryDir(given string) string {
	if given != "" {
		return given
	}
	home, ok := a.lookupEnv("CARGO_HOME")
	if !ok || home == "" {
		h, _ := a.lookupEnv("HOME")
		home = filepath.Join(h, ".cargo")
	}
	return filepath.Join(home, "advisory-db")
}

// loadAdvisories reads the database, saying how to get one when the default place holds none.
func loadAdvisories(dir string, given bool) (*advisory.DB, error) {
	db, err := advisory.Load(dir)
	if errors.Is(err, advisory.ErrNoDatabase) && !given {
		return nil, fmt.Errorf("%w: clone https://github.com/rustsec/advisory-db into %s, give --db DIR, or pass --fetch", err, dir)
	}
	return db, err
}

// ignoreList reads --ignore-file and --ignore into advisory ids and the reasons they are ignored.
func ignoreList(file string, ids []string) (map[string]string, error) {
	ignore := map[string]string{}
	if file != "" {
		var err error
		if ignore, err = audit.Ignore(file); err != nil {
			return nil, withCode(exitUsage, err)
		}
	}
	for _, id := range ids {
		ignore[id] = "ignored with --ignore " + id
	}
	return ignore, nil
}
