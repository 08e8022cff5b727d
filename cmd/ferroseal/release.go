package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/atomicfile"
	"github.com/ferroseal/ferroseal/internal/limits"
	"github.com/ferroseal/ferroseal/provenance"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/binary"
	"github.com/ferroseal/ferroseal/sbom/format"
)

type releaseFlags struct {
	sign         signFlags
	outputDir    string
	formats      []string
	hashes       []string
	lockfile     string
	manifestPath string
	provenance   string
	noProvenance bool
}

func (a *app) releaseCommand() *cobra.Command {
	var f releaseFlags
	cmd := &cobra.Command{
		Use:   "release ARTIFACT|DIR...",
		Short: "SBOMs, provenance and signed attestations for every artifact of a release",
		Long: `The release-pipeline step in one command. For each artifact (a binary with cargo-auditable data, or a release
archive of binaries; a directory stands for the binaries and archives in it), ferroseal writes into the output
directory:

  NAME.cdx.json, NAME.spdx.json   the SBOMs (-o chooses the formats), the same bytes on every run
  NAME.intoto.jsonl               one signed bundle per line: an attestation per JSON SBOM, and SLSA provenance
  SHA256SUMS                      the digests of the artifacts and SBOMs, for sha256sum -c

Provenance is the statement ferroseal build recorded (--provenance FILE; provenance.intoto.json in the current
directory when present), signed here; else it is made from the workspace (--manifest-path, default ./Cargo.toml)
without build times; --no-provenance leaves it out. Times come from SOURCE_DATE_EPOCH, else the commit time of
the checkout, else the artifacts' modification time, so that re-running gives the same SBOMs.

` + keylessHelp + `

` + passwordHelp,
		Example: `  ferroseal release target/release/app --key ferroseal.key --output-dir dist
  ferroseal release dist/ --output-dir dist                           # keyless in CI
  ferroseal build -- cargo auditable build --release --locked && ferroseal release target/release/app --output-dir dist`,
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
	return cmd
}

// releaseArtifact is one file of a release and what is made for it.
type releaseArtifact struct {
	path   string
	name   string
	doc    *sbom.Document
	digest map[string]string
}

// releaseTime is the documents' time: SOURCE_DATE_EPOCH, the commit time of HEAD, or the newest artifact's mtime.
func (a *app) releaseTime(ctx context.Context, paths []string) (time.Time, error) {
	if a.getenv("SOURCE_DATE_EPOCH") != "" {
		t, _, err := a.created()
		return t, err
	}
	if out, err := exec.CommandContext(ctx, "git", "log", "-1", "--format=%ct").Output(); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil {
			return time.Unix(n, 0).UTC(), nil
		}
	}
	var newest time.Time
	for _, p := range paths {
		if st, err := os.Stat(p); err == nil && st.ModTime().After(newest) {
			newest = st.ModTime()
		}
	}
	return newest.UTC().Truncate(time.Second), nil
}

// expandRelease lists the artifacts: files as given, and the binaries and archives directly in directories.
func expandRelease(args []string) ([]string, error) {
	var out []string
	for _, arg := range args {
		st, err := os.Stat(arg)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, arg)
			continue
		}
		entries, err := os.ReadDir(arg)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			p := filepath.Join(arg, e.Name())
			head := make([]byte, 512)
			f, err := os.Open(p)
			if err != nil {
				return nil, err
			}
			n, _ := io.ReadFull(f, head)
			f.Close()
			if binary.IsBinaryOrArchive(head[:n]) {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

func (a *app) runRelease(cmd *cobra.Command, f *releaseFlags, args []string) error {
	var formats []format.Format
	for _, name := range f.formats {
		fm, err := format.Parse(name)
		if err != nil {
			return withCode(exitUsage, err)
		}
		formats = append(formats, fm)
	}
	var algs []sbom.HashAlgorithm
	for _, h := range f.hashes {
		alg, err := binary.ParseHashAlgorithm(h)
		if err != nil {
			return withCode(exitUsage, err)
		}
		algs = append(algs, alg)
	}
	if !slices.Contains(algs, sbom.SHA256) {
		algs = append([]sbom.HashAlgorithm{sbom.SHA256}, algs...)
	}
	paths, err := expandRelease(args)
	if err != nil {
		return err
	}
	if len(paths) == 0 {
		return withCode(exitNotAuditable, fmt.Errorf("no binaries or release archives in %s", strings.Join(args, ", ")))
	}
	outDir := f.outputDir
	if outDir == "" {
		if st, err := os.Stat(args[0]); err == nil && st.IsDir() {
			outDir = args[0]
		} else {
			outDir = filepath.Dir(args[0])
		}
	}
	if err := os.MkdirAll(outDir, 0o755); err != nil {
		return err
	}
	created, err := a.releaseTime(cmd.Context(), paths)
	if err != nil {
		return err
	}
	signOpts, err := a.signOptions(cmd, &f.sign) // before any work: a wrong key or a missing token stops here
	if err != nil {
		return err
	}
	var ref *sbom.Document
	if f.lockfile != "" || f.manifestPath != "" {
		sf := &sbomFlags{lockfile: f.lockfile, manifestPath: f.manifestPath, offline: true}
		if ref, _, err = a.reference(cmd, sf); err != nil {
			return err
		}
	}

	// SBOMs.
	var arts []releaseArtifact
	tool := a.tool(true)
	for i, p := range paths {
		a.infof("[%d/%d] %s", i+1, len(paths), p)
		doc, err := releaseDocument(cmd.Context(), p, algs, created)
		if err != nil {
			return err
		}
		if ref != nil {
			for _, m := range sbom.Enrich(doc, ref) {
				a.warnf("%s: %s", p, m.Message)
			}
		}
		art := releaseArtifact{path: p, name: filepath.Base(p), doc: doc, digest: map[string]string{}}
		for _, h := range doc.Subject.Hashes {
			art.digest[strings.ToLower(strings.ReplaceAll(string(h.Algorithm), "-", ""))] = h.Value
		}
		arts = append(arts, art)
	}
	names := map[string]bool{}
	for _, art := range arts {
		if names[art.name] {
			return usageErrorf("two artifacts are named %s: release them from separate directories", art.name)
		}
		names[art.name] = true
	}

	// Provenance: one statement about every artifact, signed once.
	var provBundles [][]byte
	if !f.noProvenance {
		provBundles, err = a.releaseProvenance(cmd, f, arts, signOpts)
		if err != nil {
			return err
		}
	}

	sums := map[string]string{}
	for _, art := range arts {
		sums[art.name] = art.digest["sha256"]
		var lines [][]byte
		for _, fm := range formats {
			var buf bytes.Buffer
			if err := format.Encode(&buf, art.doc, fm, tool); err != nil {
				return err
			}
			name := art.name + fm.Ext()
			if err := atomicfile.WriteBytes(filepath.Join(outDir, name), 0o644, buf.Bytes()); err != nil {
				return err
			}
			sum := sha256.Sum256(buf.Bytes())
			sums[name] = hex.EncodeToString(sum[:])
			ptype := map[string]string{"cyclonedx-json": attest.PredicateCycloneDX, "spdx-json": attest.PredicateSPDX}[fm.Name]
			if ptype == "" {
				continue // XML and tag-value SBOMs are written, not attested: predicates are JSON
			}
			stmt, err := attest.NewStatement([]attest.Subject{{Name: art.name, Digest: art.digest}}, ptype, buf.Bytes())
			if err != nil {
				return err
			}
			b, err := attest.Sign(cmd.Context(), stmt, signOpts)
			if err != nil {
				return err
			}
			lines = append(lines, b)
		}
		for _, pb := range provBundles {
			if covers(pb, art.digest["sha256"]) {
				lines = append(lines, pb)
			}
		}
		var jsonl bytes.Buffer
		for _, l := range lines {
			if err := json.Compact(&jsonl, l); err != nil {
				return err
			}
			jsonl.WriteByte('\n')
		}
		if err := atomicfile.WriteBytes(filepath.Join(outDir, art.name+".intoto.jsonl"), 0o644, jsonl.Bytes()); err != nil {
			return err
		}
	}
	var sumFile bytes.Buffer
	sorted := make([]string, 0, len(sums))
	for n := range sums {
		sorted = append(sorted, n)
	}
	slices.Sort(sorted)
	for _, n := range sorted {
		fmt.Fprintf(&sumFile, "%s  %s\n", sums[n], n)
	}
	if err := atomicfile.WriteBytes(filepath.Join(outDir, "SHA256SUMS"), 0o644, sumFile.Bytes()); err != nil {
		return err
	}
	a.infof("released %d artifact(s) into %s", len(arts), outDir)
	return nil
}

// releaseDocument is the SBOM of one artifact: its embedded data, or for an archive the binaries inside it.
func releaseDocument(ctx context.Context, path string, algs []sbom.HashAlgorithm, created time.Time) (*sbom.Document, error) {
	res, err := binary.ReadFile(path, binary.Options{Hashes: algs, Created: created})
	switch {
	case err == nil:
		return res.Doc, nil
	case errors.Is(err, auditable.ErrNotAuditable):
		return nil, withCode(exitNotAuditable, fmt.Errorf("%w: %s", err, notAuditableHint))
	case !errors.Is(err, auditable.ErrUnknownFormat):
		return nil, err
	}
	items, err := binary.Scan(ctx, []string{path}, binary.ScanOptions{Options: binary.Options{Hashes: algs, Created: created}})
	if err != nil {
		return nil, err
	}
	var docs []*sbom.Document
	for _, it := range items {
		if it.Err != nil {
			return nil, withCode(exitNotAuditable, fmt.Errorf("%s: %w", it.Path, it.Err))
		}
		docs = append(docs, it.Result.Doc)
	}
	if len(docs) == 0 {
		return nil, withCode(exitNotAuditable, fmt.Errorf("%s: no binaries with cargo-auditable data inside", path))
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	hashes, err := binary.Digest(f, algs)
	if err != nil {
		return nil, err
	}
	doc := sbom.MergeArtifacts(filepath.Base(path), docs, created)
	doc.Subject.Type = sbom.TypeFile
	doc.Subject.Hashes = hashes
	doc.Normalize()
	return doc, nil
}

// releaseProvenance signs the build's provenance, or makes it.
func (a *app) releaseProvenance(cmd *cobra.Command, f *releaseFlags, arts []releaseArtifact, signOpts attest.SignOptions) ([][]byte, error) {
	path := f.provenance
	if path == "" {
		if _, err := os.Stat("provenance.intoto.json"); err == nil {
			path = "provenance.intoto.json"
		}
	}
	if path != "" {
		data, err := readFileBounded(path, limits.MaxBundleSize)
		if err != nil {
			return nil, err
		}
		var probe struct {
			Type      string `json:"_type"`
			MediaType string `json:"mediaType"`
		}
		if json.Unmarshal(data, &probe) == nil && probe.Type != "" {
			stmt, err := attest.ParseStatement(data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", path, err)
			}
			b, err := attest.Sign(cmd.Context(), stmt, signOpts)
			if err != nil {
				return nil, err
			}
			a.infof("signed the provenance of %s", path)
			return [][]byte{b}, nil
		}
		ev, err := attest.ReadEvidence(path)
		if err != nil {
			return nil, err
		}
		var out [][]byte
		for _, e := range ev {
			out = append(out, e.Data)
		}
		return out, nil
	}
	manifest := f.manifestPath
	if manifest == "" {
		if _, err := os.Stat("Cargo.toml"); err != nil {
			a.infof("no provenance: no record of ferroseal build (provenance.intoto.json) and no Cargo.toml here (--manifest-path)")
			return nil, nil
		}
		manifest = "Cargo.toml"
	}
	var paths []string
	for _, art := range arts {
		paths = append(paths, art.path)
	}
	// No record of the build: what the workspace and the CI say, and no command, profile or times (not known).
	stmt, err := a.provenanceStatement(cmd, manifest, provenance.Build{}, paths, nil, time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	b, err := attest.Sign(cmd.Context(), stmt, signOpts)
	if err != nil {
		return nil, err
	}
	return [][]byte{b}, nil
}

// covers reports whether a bundle's statement names the digest, without verifying it (the verifier does that).
func covers(bundleJSON []byte, sha256hex string) bool {
	var b struct {
		DSSE struct {
			Payload []byte `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if json.Unmarshal(bundleJSON, &b) != nil {
		return false
	}
	stmt, err := attest.ParseStatement(b.DSSE.Payload)
	return err == nil && stmt.Covers("sha256", sha256hex)
}
