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

	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/atomicfile"
	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/safetext"
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

Provenance is the build record of ferroseal build, given with --provenance FILE: an unsigned statement is signed
here only when every subject it names is an artifact of this release (by digest); a signed bundle is verified
first, as signed by this release's own key or keyless identity, and held to the same rule. Without --provenance it
is made from the workspace (--manifest-path, default ./Cargo.toml) without the build command and times; a
provenance.intoto.json lying in the directory is never picked up. --no-provenance leaves it out. Times come from SOURCE_DATE_EPOCH, else the commit time of
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

	// SBOM attestations, signed first: a keyless signer's identity is then known, to check signed provenance by.
	lines := make([][][]byte, len(arts))
	encoded := make([]map[string][]byte, len(arts))
	for i, art := range arts {
		encoded[i] = map[string][]byte{}
		for _, fm := range formats {
			var buf bytes.Buffer
			if err := format.Encode(&buf, art.doc, fm, tool); err != nil {
				return err
			}
			encoded[i][art.name+fm.Ext()] = buf.Bytes()
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
			lines[i] = append(lines[i], b)
		}
	}

	// Provenance: one statement about the artifacts, signed once, or a signed one verified.
	if !f.noProvenance {
		var signed []byte
		for _, l := range lines {
			if len(l) > 0 {
				signed = l[0]
				break
			}
		}
		provBundles, err := a.releaseProvenance(cmd, f, arts, signOpts, signed)
		if err != nil {
			return err
		}
		for i, art := range arts {
			for _, pb := range provBundles {
				if pb.covers(art.digest) {
					lines[i] = append(lines[i], pb.bundle)
				}
			}
		}
	}

	sums := map[string]string{}
	for i, art := range arts {
		sums[art.name] = art.digest["sha256"]
		for name, data := range encoded[i] {
			if err := atomicfile.WriteBytes(filepath.Join(outDir, name), 0o644, data); err != nil {
				return err
			}
			sum := sha256.Sum256(data)
			sums[name] = hex.EncodeToString(sum[:])
		}
		var jsonl bytes.Buffer
		for _, l := range lines[i] {
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
		sumFile.WriteString(sha256sumLine(sums[n], n))
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

// provenanceBundle is a signed provenance statement and the subjects it names.
type provenanceBundle struct {
	bundle   []byte
	subjects []attest.Subject
}

// covers reports whether the statement names the artifact: by SHA-256, and by SHA-512 too where both give it.
func (pb provenanceBundle) covers(digest map[string]string) bool {
	for _, s := range pb.subjects {
		if sameDigest(s.Digest, digest) {
			return true
		}
	}
	return false
}

// sameDigest reports whether two digest sets name the same file: equal SHA-256, and no algorithm both give that
// differs.
func sameDigest(a, b map[string]string) bool {
	if a["sha256"] == "" || !strings.EqualFold(a["sha256"], b["sha256"]) {
		return false
	}
	for alg, v := range a {
		if w, ok := b[alg]; ok && !strings.EqualFold(v, w) {
			return false
		}
	}
	return true
}

// releaseProvenance returns the signed provenance of the release. Nothing is signed that this run did not make or
// verify: a statement given with --provenance is signed only when every subject it names is an artifact of this
// release; a signed bundle given with --provenance is verified first, as made by the signer of this release (the
// same key, or the same keyless identity as signed, the bundle of this run given as signed), and held to the same
// rule. Without --provenance, the provenance is made from the workspace (--manifest-path, ./Cargo.toml), and a
// provenance.intoto.json lying in the directory is never picked up.
func (a *app) releaseProvenance(cmd *cobra.Command, f *releaseFlags, arts []releaseArtifact, signOpts attest.SignOptions, signed []byte) ([]provenanceBundle, error) {
	path := f.provenance
	if path == "" {
		if _, err := os.Stat("provenance.intoto.json"); err == nil {
			a.warnf("provenance.intoto.json in the current directory is not used: release signs only provenance given with --provenance (whose subjects must be the artifacts released) or made now")
		}
		return a.workspaceProvenance(cmd, f, arts, signOpts)
	}
	data, err := inputfile.ReadAll(path, limits.MaxBundleSize)
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
		if err := releaseSubjects(path, stmt, arts); err != nil {
			return nil, err
		}
		b, err := attest.Sign(cmd.Context(), stmt, signOpts)
		if err != nil {
			return nil, err
		}
		a.infof("provenance: signed the build record %s (%d subject(s), all of them artifacts of this release)", path, len(stmt.Subject))
		return []provenanceBundle{{bundle: b, subjects: stmt.Subject}}, nil
	}
	policy, err := signerPolicy(signOpts, signed)
	if err != nil {
		return nil, fmt.Errorf("--provenance %s: %w", path, err)
	}
	ev, err := attest.ReadEvidence(path)
	if err != nil {
		return nil, err
	}
	var out []provenanceBundle
	for _, e := range ev {
		stmt, _, err := attest.VerifyStatement(e, policy)
		if err != nil {
			return nil, withCode(exitVerifyFailed, fmt.Errorf("--provenance: not signed by the signer of this release: %w", err))
		}
		if stmt.PredicateType != attest.PredicateSLSAProvenance1 {
			return nil, fmt.Errorf("--provenance %s: predicate type %q, want %s", e.Source, stmt.PredicateType, attest.PredicateSLSAProvenance1)
		}
		if err := releaseSubjects(e.Source, stmt, arts); err != nil {
			return nil, err
		}
		out = append(out, provenanceBundle{bundle: e.Data, subjects: stmt.Subject})
	}
	a.infof("provenance: %d signed statement(s) from %s, verified as signed by this release's signer", len(out), path)
	return out, nil
}

// signerPolicy is the verification policy of this release's own signer: its public key, or the keyless identity
// of a bundle it has just signed.
func signerPolicy(opts attest.SignOptions, signed []byte) (attest.Policy, error) {
	if opts.CertificateProvider == nil {
		return attest.Policy{Key: opts.Keypair.GetPublicKey(), TrustedMaterial: opts.TrustedMaterial}, nil
	}
	if signed == nil {
		return attest.Policy{}, errors.New("nothing signed yet to learn this release's keyless identity from")
	}
	ip, err := attest.SignerIdentity(signed)
	if err != nil {
		return attest.Policy{}, err
	}
	id, err := attest.NewIdentity(ip)
	if err != nil {
		return attest.Policy{}, err
	}
	return attest.Policy{Identities: []verify.CertificateIdentity{id}, TrustedMaterial: opts.TrustedMaterial, ObserverTimestamps: 1}, nil
}

// releaseSubjects holds a provenance statement to the release: every subject must be one of its artifacts (by
// digest), and at least one artifact must be named. An artifact the statement does not name is reported.
func releaseSubjects(source string, stmt *attest.Statement, arts []releaseArtifact) error {
	var foreign []string
	for _, sub := range stmt.Subject {
		if !slices.ContainsFunc(arts, func(a releaseArtifact) bool { return sameDigest(sub.Digest, a.digest) }) {
			foreign = append(foreign, fmt.Sprintf("%s (sha256:%s)", safetext.Quote(sub.Name, 0), sub.Digest["sha256"]))
		}
	}
	if len(foreign) > 0 {
		return fmt.Errorf("%s names %d subject(s) that are not artifacts of this release, refusing to sign or publish it: %s",
			source, len(foreign), strings.Join(foreign[:min(len(foreign), 5)], ", "))
	}
	if len(stmt.Subject) == 0 {
		return fmt.Errorf("%s names no subject", source)
	}
	return nil
}

// workspaceProvenance makes provenance from the workspace when there is one: what the workspace and the CI say,
// and no command, profile or times (not known).
func (a *app) workspaceProvenance(cmd *cobra.Command, f *releaseFlags, arts []releaseArtifact, signOpts attest.SignOptions) ([]provenanceBundle, error) {
	manifest := f.manifestPath
	if manifest == "" {
		if _, err := os.Stat("Cargo.toml"); err != nil {
			a.infof("provenance: none: no --provenance, and no Cargo.toml here (--manifest-path) to make it from")
			return nil, nil
		}
		manifest = "Cargo.toml"
	}
	var paths []string
	for _, art := range arts {
		paths = append(paths, art.path)
	}
	stmt, err := a.provenanceStatement(cmd, manifest, provenance.Build{}, paths, nil, time.Time{}, time.Time{})
	if err != nil {
		return nil, err
	}
	b, err := attest.Sign(cmd.Context(), stmt, signOpts)
	if err != nil {
		return nil, err
	}
	a.infof("provenance: made from the workspace of %s (no build record given: without the build command and times)", manifest)
	return []provenanceBundle{{bundle: b, subjects: stmt.Subject}}, nil
}

// sha256sumLine is one line of a SHA256SUMS file as GNU sha256sum writes it: a file name holding a backslash, a
// line feed or a carriage return is escaped (\\, \n, \r) and the line starts with a backslash, so that no name
// can end its line and forge another.
func sha256sumLine(hexDigest, name string) string {
	if !strings.ContainsAny(name, "\\\n\r") {
		return hexDigest + "  " + name + "\n"
	}
	escaped := strings.NewReplacer("\\", "\\\\", "\n", "\\n", "\r", "\\r").Replace(name)
	return "\\" + hexDigest + "  " + escaped + "\n"
}
