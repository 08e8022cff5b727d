package main

import (
	"errors"
	"fmt"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/version"
	"github.com/ferroseal/ferroseal/release"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/binary"
	"github.com/ferroseal/ferroseal/sbom/format"
)

type releaseFlags struct {
	sign           signFlags
	outputDir      string
	formats        []string
	hashes         []string
	lockfile       string
	manifestPath   string
	provenance     string
	noProvenance   bool
	ifNotAuditable string
	isolated       string
	buildCommand   string
	buildInputs    []string
	builderID      string
	exportDSSE     bool
	dtrack         bool
	prof           profileFlags
	audit          bool
	db, ignoreFile string
	vexAuthor      string
	push           bool
}

func (a *app) releaseCommand() *cobra.Command {
	var f releaseFlags
	cmd := &cobra.Command{
		Use:   "release ARTIFACT|DIR...",
		Short: "SBOMs, provenance and signed attestations for every artifact of a release",
		Long: `The release-pipeline step in one command. For each artifact (a binary with cargo-auditable data, or a release
archive of binaries; a directory stands for the binaries and archives in it), ferroseal writes into the output
directory:

  NAME.cdx.json, NAME.spdx.json   the SBOMs (-o chooses the formats; the JSON form of an XML or tag-value SBOM is
                                  written too: attestations carry JSON), the same bytes on every run
  NAME.intoto.jsonl               one signed bundle per line: an attestation per JSON SBOM, and SLSA provenance
  SHA256SUMS                      the digests of the artifacts and SBOMs, for sha256sum -c
  NAME.openvex.json               with --audit: the known vulnerabilities (RustSec) of its crates, as OpenVEX
                                  statements bound to its digest, also signed in NAME.intoto.jsonl
  dependency-track.sh              with --dependency-track, uploads each CycloneDX SBOM to Dependency-Track as the
                                  project of the package the artifact was built from (DT_URL, DT_API_KEY)
  NAME.cdx.dsse.json, ...         with --export-dsse, each signed statement again as a bare DSSE envelope, for
  NAME.provenance.dsse.json       consumers that read no Sigstore bundles (GUAC); a key's signatures carry its
                                  keyid (ferroseal keygen prints it; guacone --verifier-key-id)

Provenance is the build record of ferroseal build, given with --provenance FILE: an unsigned statement is signed
here only when every subject it names is an artifact of this release (by digest); a signed bundle is verified
first, as signed by this release's own key or keyless identity, and held to the same rule. Without --provenance it
is made from the workspace (--manifest-path, default ./Cargo.toml) without the build command and times; a
provenance.intoto.json lying in the directory is never picked up. --no-provenance leaves it out. Times come from SOURCE_DATE_EPOCH, else the commit time of
the checkout, else the artifacts' modification time, so that re-running gives the same SBOMs. Signing keylessly
as a CI workflow, provenance names that workflow as its builder (verifiers require it); a build record naming
another builder is refused.

An image in a registry (registry:HOST/REPO:TAG, with --push) is released in place: the tag is resolved to a
digest once, each platform's SBOMs are signed about its manifest and attached to it as OCI referrers (as cosign
v3 attaches bundles), and provenance made from the workspace is attached to what the tag named; -o and
--output-dir also keep the SBOM files.

With --profile bsi-tr-03183-2 and --sbom-author, the SBOMs carry what BSI TR-03183-2 requires (docs/bsi.md):
CycloneDX 1.7 and SPDX 3.0.1 unless -o says otherwise, SHA-512 of every artifact, --download-url for their URIs.

Isolated builds (SLSA Build L3; docs/slsa.md): when the build ran in a job of its own, without the signing
identity, --isolated-build RECORD takes that job's unsigned record (ferroseal build --provenance RECORD). Its
subjects must be exactly the artifacts given (re-hashed here); the provenance is then made here from this job's
context: builder = the workflow this job signs as (or --builder-id), source and Cargo.lock from this job's
checkout, command = --build-command (the command the build job was defined to run, which the record must report
too), inputs = --build-input NAME=VALUE; the toolchain and times are taken from the record and marked as reported
by the build. Nothing the workspace configures runs here: no cargo, no rustc (use --lockfile, not --manifest-path).

` + keylessHelp + `

` + passwordHelp,
		Example: `  ferroseal release target/release/app --key ferroseal.key --output-dir dist
  ferroseal release dist/ --output-dir dist                           # keyless in CI
  ferroseal release registry:ghcr.io/org/app:1.2.0 --push --manifest-path Cargo.toml   # SBOMs + provenance attached
  ferroseal build -- cargo auditable build --release --locked && ferroseal release target/release/app --output-dir dist
  ferroseal release build-out/dist --output-dir release --isolated-build build-out/build.intoto.json \
    --build-command "cargo auditable build --release --locked" --build-input binaries=app --lockfile Cargo.lock`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runRelease(cmd, &f, args) },
	}
	f.sign.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.outputDir, "output-dir", "", "directory to write into (default: the directory given, or the first artifact's)")
	fl.StringSliceVarP(&f.formats, "output", "o", []string{"cyclonedx-json", "spdx-json"}, "SBOM formats: "+strings.Join(format.Names, ", "))
	fl.StringSliceVar(&f.hashes, "hash", []string{"sha256"}, "digests of each artifact to record: sha256, sha384, sha512, sha1")
	fl.StringVar(&f.lockfile, "lockfile", "", "Cargo.lock of the build, to add checksums and real sources to the SBOMs")
	fl.StringVar(&f.manifestPath, "manifest-path", "", "Cargo.toml of the workspace built (provenance; SBOM enrichment)")
	fl.StringVar(&f.provenance, "provenance", "", "provenance statement or bundle recorded by ferroseal build")
	fl.BoolVar(&f.noProvenance, "no-provenance", false, "write no provenance")
	fl.StringVar(&f.isolated, "isolated-build", "", "the unsigned record of a build that ran in another job, without the signing identity: provenance is made here")
	fl.StringVar(&f.buildCommand, "build-command", "", "with --isolated-build: the command the build job was defined to run")
	fl.StringArrayVar(&f.buildInputs, "build-input", nil, "with --isolated-build: an input the workflow was called with, NAME=VALUE (repeatable)")
	fl.StringVar(&f.builderID, "builder-id", "", "with --isolated-build: the builder (default: the CI workflow this job signs as)")
	fl.BoolVar(&f.exportDSSE, "export-dsse", false, "also write each signed statement as a bare DSSE envelope (NAME.cdx.dsse.json, NAME.provenance.dsse.json), for GUAC")
	f.prof.register(fl)
	fl.BoolVar(&f.push, "push", false, "for an image (registry:HOST/REPO:TAG): attach its SBOMs and provenance to it as OCI referrers")
	fl.BoolVar(&f.audit, "audit", false, "match each artifact's crates against the RustSec database (--db) and publish the result: NAME.openvex.json, signed in NAME.intoto.jsonl")
	fl.StringVar(&f.db, "db", "", "with --audit: the advisory database directory (default $CARGO_HOME/advisory-db)")
	fl.StringVar(&f.ignoreFile, "ignore-file", "", "with --audit: an audit.toml whose ignored advisories are stated not_affected, with their reasons")
	fl.StringVar(&f.vexAuthor, "vex-author", "", "with --audit: the VEX author (default: the signer)")
	fl.BoolVar(&f.dtrack, "dependency-track", false, "also write dependency-track.sh, which uploads each CycloneDX SBOM to Dependency-Track (DT_URL, DT_API_KEY) as its package's project")
	fl.StringVar(&f.ifNotAuditable, "if-not-auditable", "fail", "for an artifact without cargo-auditable data: fail, skip (leave it out), heuristic (an SBOM recovered from the binary, marked incomplete) or provenance-only")
	return cmd
}

func (a *app) runRelease(cmd *cobra.Command, f *releaseFlags, args []string) error {
	o := release.Options{Artifacts: args, OutputDir: f.outputDir, Tool: a.tool(true), Log: a.releaseLog, ExportDSSE: f.exportDSSE, DependencyTrack: f.dtrack}
	var err error
	if f.prof.profile != "" && !cmd.Flags().Changed("output") {
		f.formats = []string{"cyclonedx-json", "spdx3-json"} // the profile's formats: CycloneDX 1.7 and SPDX 3.0.1
	}
	for _, name := range f.formats {
		fm, err := format.Parse(name)
		if err != nil {
			return withCode(exitUsage, err)
		}
		o.Formats = append(o.Formats, fm)
	}
	if f.dtrack && !slices.ContainsFunc(o.Formats, func(fm format.Format) bool { return strings.HasPrefix(fm.Name, "cyclonedx-") }) {
		return usageErrorf("--dependency-track: Dependency-Track reads CycloneDX; add -o cyclonedx-json")
	}
	formats := make([]*format.Format, len(o.Formats))
	for i := range o.Formats {
		formats[i] = &o.Formats[i]
	}
	if o.Prepare, err = f.prof.applyFormats(formats, f.formats, a.lookupEnv); err != nil {
		return err
	}
	if f.prof.profile == "" && len(f.prof.authors) == 0 {
		o.Prepare = nil
	}
	for _, h := range f.prof.hashes(f.hashes) {
		alg, err := binary.ParseHashAlgorithm(h)
		if err != nil {
			return withCode(exitUsage, err)
		}
		o.Hashes = append(o.Hashes, alg)
	}
	if a.getenv("SOURCE_DATE_EPOCH") != "" {
		t, _, err := a.created()
		if err != nil {
			return err
		}
		o.Created = t
	}
	o.Provenance = release.Provenance{None: f.noProvenance, Record: f.provenance, Manifest: f.manifestPath, Lookup: a.lookupEnv,
		ToolVersion: version.String()}
	if iso, err := isolatedOptions(f); err != nil {
		return err
	} else if iso != nil {
		o.Provenance.Isolated = iso
	}
	if f.provenance == "" && !f.noProvenance {
		// ferroseal build leaves its record here; the handoff is explicit, never implied.
		for _, name := range []string{"provenance.intoto.json", "provenance.sigstore.json"} {
			if _, err := os.Stat(name); err == nil {
				a.warnf("%s in the current directory is not used: pass --provenance %s to release the build's record (its subjects must be the artifacts released)", name, name)
			}
		}
	}
	if o.NotAuditable, err = release.ParseNotAuditable(f.ifNotAuditable); err != nil {
		return usageErrorf("--if-not-auditable %v", err)
	}
	if !f.audit && (f.db != "" || f.ignoreFile != "" || f.vexAuthor != "") {
		return usageErrorf("--db, --ignore-file and --vex-author are for --audit")
	}
	if f.audit {
		ignore, err := ignoreList(f.ignoreFile, nil)
		if err != nil {
			return err
		}
		dir := a.advisoryDir(f.db)
		db, err := loadAdvisories(dir, f.db != "")
		if err != nil {
			return err
		}
		author := f.vexAuthor
		if author == "" {
			author = "ferroseal release"
		}
		o.Audit = &release.Audit{DB: db, Ignore: ignore, Author: author}
	}
	if o.Sign, err = a.signOptions(cmd, &f.sign); err != nil { // before any work: a wrong key or a missing token stops here
		return err
	}
	if f.lockfile != "" || f.manifestPath != "" {
		sf := &sbomFlags{lockfile: f.lockfile, manifestPath: f.manifestPath, offline: true}
		if o.Reference, _, err = a.reference(cmd, sf); err != nil {
			return err
		}
	}
	if ref, ok := imageRef(args[0]); ok || f.push {
		if !ok || len(args) != 1 || !f.push {
			return usageErrorf("an image is released with --push, one at a time: ferroseal release registry:HOST/REPO:TAG --push")
		}
		if f.exportDSSE || f.dtrack || f.isolated != "" || f.provenance != "" {
			return usageErrorf("--export-dsse, --dependency-track, --isolated-build and --provenance are for files: an image gets SBOMs, provenance made from the workspace and, with --audit, OpenVEX")
		}
		res, err := release.Image(cmd.Context(), ref, o)
		if errors.Is(err, auditable.ErrNotAuditable) {
			return withCode(exitNotAuditable, err)
		}
		if err != nil {
			return err
		}
		a.infof("released %s (%s): %d attestations attached", ref, res.Digest, len(res.Attached))
		return nil
	}
	res, err := release.Run(cmd.Context(), o)
	switch {
	case errors.Is(err, release.ErrNoArtifacts):
		return err
	case errors.Is(err, release.ErrNameClash):
		return withCode(exitUsage, err)
	case errors.Is(err, auditable.ErrNotAuditable):
		return withCode(exitNotAuditable, fmt.Errorf("%w: build it with `cargo auditable build`, or choose what to do with it: --if-not-auditable skip|heuristic|provenance-only", err))
	case errors.Is(err, attest.ErrVerificationFailed):
		return withCode(exitVerifyFailed, err)
	case err != nil:
		return err
	}
	if f.exportDSSE {
		a.warnDSSEKey(o.Sign)
		if id, _ := attest.SignerKeyID(o.Sign); id != "" {
			a.infof("the DSSE envelopes name the key %s: guacone collect files DIR --verifier-key-path PUBLIC.pem --verifier-key-id %s", id, id)
		} else {
			a.infof("the DSSE envelopes are signed keylessly: their certificate is in the bundles (NAME.intoto.jsonl), not in the envelopes")
		}
	}
	a.infof("provenance: %s", res.Provenance)
	a.infof("released %d artifact(s) into %s", len(res.Artifacts), res.OutputDir)
	return nil
}

// isolatedOptions reads the flags of an isolated build, refusing what would run the workspace's programs or
// contradict it.
func isolatedOptions(f *releaseFlags) (*release.Isolated, error) {
	if f.isolated == "" {
		for name, v := range map[string]bool{"build-command": f.buildCommand != "", "build-input": len(f.buildInputs) > 0, "builder-id": f.builderID != ""} {
			if v {
				return nil, usageErrorf("--%s describes an isolated build: give --isolated-build RECORD with it", name)
			}
		}
		return nil, nil
	}
	switch {
	case f.provenance != "" || f.noProvenance:
		return nil, usageErrorf("--isolated-build makes the provenance here: it cannot be combined with --provenance or --no-provenance")
	case f.manifestPath != "":
		return nil, usageErrorf("--manifest-path runs cargo, which the signing job of an isolated build must not (a checkout's .cargo/config.toml may name programs): give --lockfile Cargo.lock")
	case strings.TrimSpace(f.buildCommand) == "":
		return nil, usageErrorf("--isolated-build needs --build-command: the command the build job was defined to run")
	}
	inputs, err := assignments("build-input", f.buildInputs)
	if err != nil {
		return nil, err
	}
	return &release.Isolated{Record: f.isolated, Command: strings.Fields(f.buildCommand), BuilderID: f.builderID, Inputs: inputs}, nil
}

// assignments reads the NAME=VALUE values of a repeatable flag; none gives nil.
func assignments(flag string, values []string) (map[string]string, error) {
	var out map[string]string
	for _, in := range values {
		k, v, ok := strings.Cut(in, "=")
		if !ok || k == "" {
			return nil, usageErrorf("--%s %q: want NAME=VALUE", flag, in)
		}
		if out == nil {
			out = map[string]string{}
		}
		out[k] = v
	}
	return out, nil
}

// releaseLog prints the release's progress and warnings.
func (a *app) releaseLog(format string, args ...any) {
	msg := fmt.Sprintf(format, args...)
	if w, ok := strings.CutPrefix(msg, "warning: "); ok {
		a.warnf("%s", w)
		return
	}
	a.infof("%s", msg)
}
