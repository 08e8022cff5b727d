package main

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/cargo"
)

type sbomFlags struct {
	manifestPath      string
	metadataFile      string
	lockfile          string
	features          []string
	allFeatures       bool
	noDefaultFeatures bool
	target            string
	pkg               string
	workspace         bool
	includeDev        bool
	locked            bool
	offline           bool
	outputs           []string
	outputDir         string
	name              string

	// Binary mode.
	hashes         []string
	maxFileSize    string
	maxPayloadSize string
	merge          bool
	heuristic      bool
	jobs           int
	platform       string
	noCargoSBOM    bool

	prof profileFlags
}

func (a *app) sbomCommand() *cobra.Command {
	var f sbomFlags
	cmd := &cobra.Command{
		Use:   "sbom [BINARY|DIR|ARCHIVE...]",
		Short: "Write SBOMs for a cargo project, or for compiled binaries",
		Long: `Write CycloneDX and SPDX SBOMs for a cargo project, or for compiled Rust binaries.

With arguments, ferroseal reads the dependency data cargo-auditable embeds in each binary (ELF, PE, Mach-O thin
and universal, WebAssembly modules and components), directories of binaries (recursively), release archives
(.tar, .tar.gz, .tar.bz2, .tar.xz, .tar.zst, .zip, and archives inside them, three levels deep), Debian and RPM
packages, and container images (an OCI layout directory, an OCI archive, a docker-archive as docker save and
podman save write them). It writes one document per binary, named after it, or one for all with --merge; one
per image (per platform, or the one --platform names), the image its subject and its Rust binaries, each with
its path and layer, its components. The binary is the document's subject (with its SHA-256; --hash adds more),
its crates the components, build-only crates kept and scoped. --lockfile or --manifest-path of the workspace that
built it add checksums, licenses and the real git and registry sources, and warn where they disagree with the
binary. A binary without embedded data exits with code 4; --heuristic recovers a partial crate list from the
registry paths compiled into it instead.

cargo's SBOM precursor (NAME.cargo-sbom.json, which cargo -Z sbom writes next to each binary with
build.sbom = true) is read with the binary it lies next to: preferred when it agrees with the embedded data
crate for crate (it adds registry and git URLs and enabled features), the only source for a binary without
embedded data (the document says so), and reported when it disagrees (the embedded data is then used).
--no-cargo-sbom leaves it out.

Limits: a binary of --max-file-size, decompressed data of --max-payload-size; an archive, package or image may
decompress to 100 times its size (at least 32 MiB, at most 8 GiB) in 100,000 entries; two entries of one name
are refused.

Without arguments, it describes a cargo project. That runs cargo metadata, and with it the project's
.cargo/config.toml (which can name programs to run): for a checkout you do not trust, use --lockfile alone.

By default ferroseal runs cargo metadata for ./Cargo.toml, resolved for the host's target triple, and writes
one document per workspace member that builds a binary, cdylib, staticlib or dylib. --package picks one member,
--workspace makes one document for the whole workspace. Cargo.lock in the workspace root supplies SHA-256
checksums. --metadata reads pre-generated cargo metadata JSON instead of running cargo, and --lockfile alone
reads nothing but a Cargo.lock (scopes are then unknown, which the document says).

Scopes: crates linked into the artifact are runtime (CycloneDX scope "required"); build-dependencies,
proc-macros and what only they pull in are build (CycloneDX "excluded" with ferroseal:cargo:dependency-kind=build,
SPDX BUILD_DEPENDENCY_OF); dev-dependencies are left out unless --include-dev.

Set SOURCE_DATE_EPOCH for byte-identical documents from identical inputs.`,
		Example: `  ferroseal sbom target/release/app -o cyclonedx-json=app.cdx.json
  ferroseal sbom dist/ --output-dir sboms -o cyclonedx-json -o spdx-json
  ferroseal sbom app-v1.2.0-x86_64-linux.tar.gz --merge --lockfile Cargo.lock
  ferroseal sbom
  ferroseal sbom --manifest-path app/Cargo.toml -o cyclonedx-json=app.cdx.json -o spdx-json=app.spdx.json
  ferroseal sbom --target x86_64-pc-windows-msvc --features tls -o cyclonedx-xml@1.5
  ferroseal sbom --output-dir sboms -o cyclonedx-json -o spdx-json     # one file per member and format
  cargo metadata --format-version 1 | ferroseal sbom --metadata - --target all
  ferroseal sbom --lockfile Cargo.lock -o spdx-tag-value`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) > 0 {
				return a.runBinarySBOM(cmd, &f, args)
			}
			return a.runSBOM(cmd, &f)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.manifestPath, "manifest-path", "", "path to Cargo.toml (default ./Cargo.toml)")
	fl.StringVar(&f.metadataFile, "metadata", "", "read `cargo metadata --format-version 1` JSON from FILE (- for stdin) instead of running cargo")
	fl.StringVar(&f.lockfile, "lockfile", "", "Cargo.lock to read; alone, the SBOM is built from it without cargo")
	fl.StringSliceVarP(&f.features, "features", "F", nil, "features to activate (comma-separated or repeated)")
	fl.BoolVar(&f.allFeatures, "all-features", false, "activate all features")
	fl.BoolVar(&f.noDefaultFeatures, "no-default-features", false, "do not activate the default features")
	fl.StringVar(&f.target, "target", "", "target triple to resolve for, or all (default: the host's triple)")
	fl.StringVarP(&f.pkg, "package", "p", "", "describe this workspace member only")
	fl.BoolVar(&f.workspace, "workspace", false, "one document for the whole workspace")
	fl.BoolVar(&f.includeDev, "include-dev", false, "include dev-dependencies (scope dev)")
	fl.BoolVar(&f.locked, "locked", false, "pass --locked to cargo (fail if Cargo.lock needs updating)")
	fl.BoolVar(&f.offline, "offline", false, "pass --offline to cargo")
	fl.StringArrayVarP(&f.outputs, "output", "o", nil, outputFlagHelp)
	fl.StringVar(&f.outputDir, "output-dir", "", "write NAME.cdx.json, NAME.spdx.json, ... into this directory")
	fl.StringVar(&f.name, "name", "", "name of the subject when it cannot be read from the input (lockfile mode)")
	fl.StringSliceVar(&f.hashes, "hash", []string{"sha256"}, "digests of each binary to record: sha256, sha384, sha512, sha1")
	fl.StringVar(&f.maxFileSize, "max-file-size", "1GiB", "largest binary read")
	fl.StringVar(&f.maxPayloadSize, "max-payload-size", "8MiB", "largest decompressed cargo-auditable data accepted")
	fl.BoolVar(&f.merge, "merge", false, "one document for all the binaries given")
	fl.BoolVar(&f.heuristic, "heuristic", false, "for binaries without cargo-auditable data, recover crates from registry paths (incomplete)")
	fl.StringVar(&f.platform, "platform", "", "for a multi-platform container image, the platform to describe (os/arch[/variant]; default: one document per platform)")
	fl.BoolVar(&f.noCargoSBOM, "no-cargo-sbom", false, "ignore cargo's SBOM precursor (NAME.cargo-sbom.json) next to a binary")
	fl.IntVar(&f.jobs, "jobs", 0, "binaries read at once (default: the number of CPUs, at most 4: more adds memory, not speed)")
	f.prof.register(fl)
	cmd.MarkFlagsMutuallyExclusive("package", "workspace")
	cmd.MarkFlagsMutuallyExclusive("metadata", "manifest-path")
	cmd.AddCommand(a.sbomConvertCommand(), a.sbomCheckCommand())
	return cmd
}

func (a *app) runSBOM(cmd *cobra.Command, f *sbomFlags) error {
	outs, err := parseOutputs(f.outputs, f.outputDir)
	if err != nil {
		return err
	}
	prepare, err := f.prof.apply(outs, f.outputs, a.lookupEnv)
	if err != nil {
		return err
	}
	created, reproducible, err := a.created()
	if err != nil {
		return err
	}
	fl := cmd.Flags()
	cargoOnly := []string{"features", "all-features", "no-default-features", "package", "workspace", "include-dev", "locked", "offline", "target"}
	var docs []*sbom.Document
	switch {
	case f.lockfile != "" && f.metadataFile == "" && !fl.Changed("manifest-path"):
		for _, name := range cargoOnly {
			if fl.Changed(name) {
				return usageErrorf("--%s needs cargo metadata: it cannot be used with --lockfile alone", name)
			}
		}
		lf, err := cargo.ReadLockfileFile(f.lockfile)
		if err != nil {
			return err
		}
		name := f.name
		if name == "" {
			if abs, err := filepath.Abs(f.lockfile); err == nil {
				name = filepath.Base(filepath.Dir(abs))
			}
		}
		doc, err := cargo.LockfileDocument(lf, cargo.LockfileOptions{Name: name, Created: created})
		if err != nil {
			return err
		}
		docs = []*sbom.Document{doc}
	default:
		var meta io.Reader
		metaName := f.metadataFile
		switch f.metadataFile {
		case "":
		case "-":
			meta, metaName = a.stdin, "standard input"
		default:
			mf, err := os.Open(f.metadataFile)
			if err != nil {
				return err
			}
			defer mf.Close()
			meta = mf
		}
		docs, err = cargo.FromProject(cmd.Context(), cargo.ProjectOptions{
			Metadata: cargo.MetadataOptions{
				ManifestPath:      f.manifestPath,
				Features:          f.features,
				AllFeatures:       f.allFeatures,
				NoDefaultFeatures: f.noDefaultFeatures,
				Locked:            f.locked,
				Offline:           f.offline,
			},
			Target:       f.target,
			MetadataJSON: meta,
			MetadataName: metaName,
			LockfilePath: f.lockfile,
			Documents: cargo.Options{
				Package:    f.pkg,
				Workspace:  f.workspace,
				IncludeDev: f.includeDev,
				Created:    created,
			},
		})
		if errors.Is(err, cargo.ErrNoSuchMember) || errors.Is(err, cargo.ErrNoArtifact) {
			return withCode(exitUsage, err)
		}
		if err != nil {
			return err
		}
	}
	named := make([]namedDoc, 0, len(docs))
	for _, d := range docs {
		prepare(d)
		named = append(named, namedDoc{name: strings.TrimSpace(d.Subject.Name), doc: d})
	}
	return a.writeDocuments(named, outs, f.outputDir, a.tool(reproducible))
}
