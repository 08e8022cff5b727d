// Package release is the release-pipeline step as a library: given the artifacts of a release (binaries with
// cargo-auditable data, release archives of them), it makes their SBOMs, signs an attestation per JSON SBOM and
// the release's SLSA provenance, and writes a release directory: NAME.cdx.json, NAME.spdx.json (or the formats
// asked for), NAME.intoto.jsonl (one signed bundle per line) and SHA256SUMS. The ferroseal release command is
// this package's Run; CI plugins and Go release tools call it the same way.
//
// # Security
//
// Nothing is signed that the run did not make or verify. SBOMs are made here from the artifacts themselves.
// Provenance is made here from the workspace, or taken from a build record given by the caller: an unsigned
// statement is signed only when every subject it names is an artifact of the release (by digest); a signed
// bundle only after it verifies as signed by the release's own signer (the same key, or the same keyless
// identity), and under the same rule. No file lying in a directory is picked up implicitly.
//
// The release directory is written through one place that keeps it consistent: every file is made and signed
// first, into temporary files, and only then are all renamed into place, SHA256SUMS last; a failure before that
// replaces nothing.
package release

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

	"github.com/ferroseal/ferroseal/advisory"
	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/atomicfile"
	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/limits"
	"github.com/ferroseal/ferroseal/internal/safetext"
	"github.com/ferroseal/ferroseal/provenance"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/binary"
	"github.com/ferroseal/ferroseal/sbom/cargo"
	"github.com/ferroseal/ferroseal/sbom/format"
)

// Errors callers branch on.
var (
	// ErrNoArtifacts: the inputs hold no binary or release archive.
	ErrNoArtifacts = errors.New("no binaries or release archives")
	// ErrNameClash: two artifacts have one file name, and so would write the same files.
	ErrNameClash = errors.New("two artifacts with one name")
	// ErrProvenance: a build record given cannot be signed or published with this release (its subjects are not the
	// release's artifacts, or it is not SLSA provenance). A signed record not signed by the release's signer wraps
	// attest.ErrVerificationFailed instead.
	ErrProvenance = errors.New("unusable provenance")
)

// Options say what to release and how.
type Options struct {
	// Artifacts are the files to release: binaries and release archives; a directory stands for the binaries and
	// archives directly in it.
	Artifacts []string
	// OutputDir is the release directory; "" means the first artifact given, when it is a directory, or its
	// directory.
	OutputDir string
	// Formats are the SBOM formats written; empty means CycloneDX and SPDX JSON.
	Formats []format.Format
	// Hashes are the digests of each artifact recorded; SHA-256 is always among them.
	Hashes []sbom.HashAlgorithm
	// Reference, when set, enriches every SBOM (checksums, licenses, real sources) from the workspace that built the
	// artifacts: a document read from its Cargo.lock or cargo metadata.
	Reference *sbom.Document
	// Created is the documents' time; zero means Time(ctx, artifacts, nil).
	Created time.Time
	// Tool names the program in the documents.
	Tool format.Tool
	// Sign signs every statement (a key, or keyless). Required.
	Sign attest.SignOptions
	// Provenance says where the provenance comes from.
	Provenance Provenance
	// NotAuditable says what to do with an artifact that carries no cargo-auditable data (a helper binary, a
	// binary built without cargo auditable); the zero value fails the release.
	NotAuditable NotAuditable
	// ExportDSSE also writes each signed statement as a bare DSSE envelope, for consumers that read no Sigstore
	// bundles (GUAC): NAME.cdx.dsse.json (after the SBOM's file name), NAME.provenance.dsse.json. A key's
	// signatures carry its KeyID.
	ExportDSSE bool
	// Audit, when set, matches each artifact's crates against an advisory database and publishes the result as a
	// signed OpenVEX document: NAME.openvex.json, and a line of NAME.intoto.jsonl.
	Audit *Audit
	// Prepare, when set, is done to each SBOM before it is written and attested (a profile's fields).
	Prepare func(*sbom.Document)
	// DependencyTrack also writes dependency-track.sh, which uploads each artifact's CycloneDX JSON SBOM to
	// Dependency-Track as the artifact's project (its name, and the version of the package it was built from).
	DependencyTrack bool
	// Log, when set, receives progress and warnings, one sentence at a time (which may quote file names).
	Log func(format string, args ...any)
}

// Audit says how a release audits its artifacts.
type Audit struct {
	DB *advisory.DB
	// Ignore maps advisory ids to the reason they are ignored (recorded as not_affected).
	Ignore map[string]string
	// Author is the VEX documents' author.
	Author string
}

// openVEX states the reports as one OpenVEX document, made by the release's tool at its time.
func (a *Audit) openVEX(reps []*advisory.Report, created time.Time, tool format.Tool) ([]byte, error) {
	var buf bytes.Buffer
	meta := advisory.Meta{Author: a.Author, Time: created, Tool: tool.Name, ToolVersion: tool.Version}
	err := advisory.Write(&buf, advisory.OpenVEX, reps, meta)
	return buf.Bytes(), err
}

// renderSBOMs encodes a document in each format, in order; each JSON SBOM is also made an in-toto statement about
// the subject, handed to attach with its format's index (XML and tag-value SBOMs are written, not attested:
// predicates are JSON).
func renderSBOMs(doc *sbom.Document, subject string, formats []format.Format, tool format.Tool, attach func(int, *attest.Statement) error) ([][]byte, error) {
	out := make([][]byte, len(formats))
	for fi, f := range formats {
		if attest.SBOMPredicateType(f) != "" {
			stmt, encoded, err := attest.SBOMStatement(doc, subject, f, tool)
			if err != nil {
				return nil, err
			}
			if err := attach(fi, stmt); err != nil {
				return nil, err
			}
			out[fi] = encoded
			continue
		}
		var buf bytes.Buffer
		if err := format.Encode(&buf, doc, f, tool); err != nil {
			return nil, err
		}
		out[fi] = buf.Bytes()
	}
	return out, nil
}

// NotAuditable is what a release does with an artifact without cargo-auditable data.
type NotAuditable string

// What to do with an artifact without cargo-auditable data.
const (
	// NotAuditableFail fails the release, naming the artifact.
	NotAuditableFail NotAuditable = ""
	// NotAuditableSkip leaves the artifact out of the release, and says so.
	NotAuditableSkip NotAuditable = "skip"
	// NotAuditableHeuristic gives it an SBOM of the crates recovered from the registry paths compiled into it,
	// marked incomplete.
	NotAuditableHeuristic NotAuditable = "heuristic"
	// NotAuditableProvenanceOnly releases it with provenance and a checksum, and no SBOM; provenance must cover it.
	NotAuditableProvenanceOnly NotAuditable = "provenance-only"
)

// ParseNotAuditable reads the name of a NotAuditable choice: fail, skip, heuristic or provenance-only.
func ParseNotAuditable(s string) (NotAuditable, error) {
	switch NotAuditable(s) {
	case "fail":
		return NotAuditableFail, nil
	case NotAuditableSkip, NotAuditableHeuristic, NotAuditableProvenanceOnly:
		return NotAuditable(s), nil
	}
	return "", fmt.Errorf("%q: want fail, skip, heuristic or provenance-only", s)
}

// Provenance says where a release's provenance comes from.
type Provenance struct {
	// None leaves provenance out.
	None bool
	// Record is the build record of ferroseal build: an unsigned statement, or a file of signed bundles (a
	// .sigstore.json, an .intoto.jsonl).
	Record string
	// Manifest is the Cargo.toml of the workspace to make provenance from when there is no Record; "" means
	// ./Cargo.toml when it exists, else no provenance.
	Manifest string
	// Lookup reads the CI's environment for provenance made here (os.LookupEnv).
	Lookup func(string) (string, bool)
	// ToolVersion is recorded in provenance made here.
	ToolVersion string
	// Isolated, when set, is a build that ran in another job, which held no signing identity (SLSA Build L3):
	// the provenance is made here, from this job's own context, and Record and Manifest are not used.
	Isolated *Isolated
}

// Isolated is a build that ran in a job of its own, without the signing identity: its build scripts and
// proc-macros, which run there, can neither sign nor choose what is signed. Its record is evidence of which
// artifacts it produced (its subjects must be exactly the release's artifacts, by digest) and of what it reports
// about itself (the toolchain, the times: marked as reported); nothing else in it is used. The provenance's
// builder, source, dependencies (this job's checkout's Cargo.lock) and parameters come from this job, which runs
// nothing the workspace configures (no cargo, no rustc).
type Isolated struct {
	// Record is the build job's unsigned provenance statement (ferroseal build --provenance FILE).
	Record string
	// Command is the build command the build job was defined to run, as argv: the workflow's own, with the
	// caller's inputs. It is the provenance's command; the record must report the same.
	Command []string
	// Inputs are the inputs the workflow was called with: externalParameters.inputs.
	Inputs map[string]string
	// BuilderID is the builder; "" means the workflow that holds this job's keyless signing identity (the
	// certificate's Build Signer URI), which a key cannot tell.
	BuilderID string
	// Manifest is the Cargo.toml built, in this job's checkout; "" means ./Cargo.toml.
	Manifest string
}

// Artifact is one released file and what was made for it.
type Artifact struct {
	// Path is the file as found; Name its base name, which the files written for it take.
	Path, Name string
	// Digest is the artifact's digests (sha256 and those asked for).
	Digest map[string]string
	// Doc is its SBOM.
	Doc *sbom.Document
	// Attestations are its signed bundles, as written to NAME.intoto.jsonl: one per JSON SBOM, then provenance.
	Attestations [][]byte
	// NoSBOM is set for an artifact released without SBOM (NotAuditableProvenanceOnly).
	NoSBOM bool

	dsseNames []string // the file name of each attestation's bare envelope, with ExportDSSE
}

// attach signs a statement about the artifact and adds the bundle to its attestations; dsseName is the file
// name of its bare envelope, when exported.
func (art *Artifact) attach(ctx context.Context, stmt *attest.Statement, opts attest.SignOptions, dsseName string) error {
	b, err := attest.Sign(ctx, stmt, opts)
	if err != nil {
		return err
	}
	art.Attestations = append(art.Attestations, b)
	art.dsseNames = append(art.dsseNames, dsseName)
	return nil
}

// Result is what a release wrote.
type Result struct {
	OutputDir string
	Artifacts []Artifact
	// Files are the files written, relative to OutputDir, in the order written (SHA256SUMS last).
	Files []string
	// Provenance says which provenance was used and why, or why none.
	Provenance string
}

// Run releases the artifacts: SBOMs, signed attestations, provenance, SHA256SUMS. See the package documentation
// for what is signed and how the directory is kept consistent.
func Run(ctx context.Context, o Options) (*Result, error) {
	logf := o.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if o.Sign.Keypair == nil {
		return nil, errors.New("release: no signer")
	}
	formats := withJSONForms(o.Formats, logf)
	exts := format.Exts(formats)
	algs := o.Hashes
	if !slices.Contains(algs, sbom.SHA256) {
		algs = append([]sbom.HashAlgorithm{sbom.SHA256}, algs...)
	}
	paths, err := Expand(o.Artifacts)
	if err != nil {
		return nil, err
	}
	if len(paths) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoArtifacts, strings.Join(o.Artifacts, ", "))
	}
	res := &Result{OutputDir: o.OutputDir}
	if res.OutputDir == "" {
		if st, err := os.Stat(o.Artifacts[0]); err == nil && st.IsDir() {
			res.OutputDir = o.Artifacts[0]
		} else {
			res.OutputDir = filepath.Dir(o.Artifacts[0])
		}
	}
	created := o.Created
	if created.IsZero() {
		created = Time(ctx, paths, nil)
	}

	// SBOMs.
	names := map[string]bool{}
	for i, p := range paths {
		logf("[%d/%d] %s", i+1, len(paths), p)
		doc, err := document(ctx, p, algs, created, logf)
		noSBOM := false
		if errors.Is(err, auditable.ErrNotAuditable) {
			switch o.NotAuditable {
			case NotAuditableSkip:
				logf("warning: left out of the release: %s carries no cargo-auditable data", p)
				continue
			case NotAuditableHeuristic:
				res, herr := binary.ReadFile(p, binary.Options{Hashes: algs, Created: created, Heuristic: true})
				if herr != nil {
					return nil, herr
				}
				logf("warning: %s carries no cargo-auditable data: its SBOM is recovered from the registry paths in it, and marked incomplete", p)
				doc, err = res.Doc, nil
			case NotAuditableProvenanceOnly:
				f, _, oerr := inputfile.Open(p)
				if oerr != nil {
					return nil, oerr
				}
				hashes, herr := binary.DigestContext(ctx, f, algs)
				f.Close()
				if herr != nil {
					return nil, herr
				}
				logf("warning: %s carries no cargo-auditable data: released with provenance and a checksum, without SBOM", p)
				doc = &sbom.Document{Subject: sbom.Component{Name: filepath.Base(p), Hashes: hashes}}
				err, noSBOM = nil, true
			}
		}
		if err != nil {
			return nil, err
		}
		if o.Reference != nil && !noSBOM {
			for _, m := range sbom.Enrich(doc, o.Reference) {
				logf("warning: %s: %s", p, m.Message)
			}
		}
		if o.Prepare != nil && !noSBOM {
			o.Prepare(doc)
		}
		art := Artifact{Path: p, Name: filepath.Base(p), Doc: doc, Digest: attest.SubjectDigest(doc.Subject.Hashes), NoSBOM: noSBOM}
		if names[art.Name] {
			return nil, fmt.Errorf("%w: %s: release them from separate directories", ErrNameClash, art.Name)
		}
		names[art.Name] = true
		res.Artifacts = append(res.Artifacts, art)
	}
	if len(res.Artifacts) == 0 {
		return nil, fmt.Errorf("%w: every artifact was left out", ErrNoArtifacts)
	}

	// The files, staged: nothing replaces the directory's files until every one is made and signed.
	var batch atomicfile.Batch
	defer batch.Abort()
	if err := os.MkdirAll(res.OutputDir, 0o755); err != nil {
		return nil, err
	}
	// SHA256SUMS lists the artifacts and their SBOMs: the files that are the same bytes on every run (signatures
	// are not, and carry their own proof).
	sums := map[string]string{}
	stage := func(name string, data []byte, summed bool) error {
		if summed {
			sum := sha256.Sum256(data)
			sums[name] = hex.EncodeToString(sum[:])
		}
		res.Files = append(res.Files, name)
		return batch.Add(filepath.Join(res.OutputDir, name), 0o644, data)
	}

	// SBOM attestations, signed first: a keyless signer's identity is then known, to check signed provenance by.
	for i := range res.Artifacts {
		art := &res.Artifacts[i]
		sums[art.Name] = art.Digest["sha256"]
		if art.NoSBOM {
			continue
		}
		renderings, err := renderSBOMs(art.Doc, art.Name, formats, o.Tool, func(fi int, stmt *attest.Statement) error {
			return art.attach(ctx, stmt, o.Sign, art.Name+strings.TrimSuffix(exts[fi], ".json")+".dsse.json")
		})
		if err != nil {
			return nil, err
		}
		for fi, data := range renderings {
			if err := stage(art.Name+exts[fi], data, true); err != nil {
				return nil, err
			}
		}
	}

	if o.DependencyTrack {
		cdx := slices.IndexFunc(formats, func(f format.Format) bool { return f.Name == "cyclonedx-json" })
		if cdx < 0 {
			return nil, errors.New("Dependency-Track reads CycloneDX: add -o cyclonedx-json")
		}
		var uploads []dtUpload
		for _, art := range res.Artifacts {
			if art.NoSBOM {
				continue
			}
			name, version := dtProject(art.Doc, art.Name)
			uploads = append(uploads, dtUpload{file: art.Name + exts[cdx], project: name, version: version})
		}
		if err := batch.Add(filepath.Join(res.OutputDir, DependencyTrackScript), 0o755, dependencyTrackScript(uploads)); err != nil {
			return nil, err
		}
		res.Files = append(res.Files, DependencyTrackScript)
	}

	if o.Audit != nil {
		for i := range res.Artifacts {
			art := &res.Artifacts[i]
			if art.NoSBOM {
				continue
			}
			rep := advisory.Audit(o.Audit.DB, art.Doc, advisory.Options{Ignore: o.Audit.Ignore, Symbols: advisory.Symbols(art.Path)})
			rep.Path = art.Name
			data, err := o.Audit.openVEX([]*advisory.Report{rep}, created, o.Tool)
			if err != nil {
				return nil, err
			}
			stmt, err := attest.NewStatement([]attest.Subject{{Name: art.Name, Digest: art.Digest}}, attest.PredicateOpenVEX, data)
			if err != nil {
				return nil, err
			}
			if err := art.attach(ctx, stmt, o.Sign, art.Name+".openvex.dsse.json"); err != nil {
				return nil, err
			}
			if err := stage(art.Name+".openvex.json", data, true); err != nil {
				return nil, err
			}
			logf("audit: %s: %d vulnerabilities, %d in build-only crates, %d warnings (%d advisories): stated in %s.openvex.json",
				art.Name, len(rep.Vulnerabilities()), len(rep.BuildOnly()), len(rep.Warnings()), o.Audit.DB.Len(), art.Name)
		}
	}

	// Provenance: one statement about the artifacts, signed once, or a signed one verified.
	if o.Provenance.None {
		res.Provenance = "none: left out as asked"
	} else {
		var signed []byte
		for _, art := range res.Artifacts {
			if len(art.Attestations) > 0 {
				signed = art.Attestations[0]
				break
			}
		}
		bundles, why, err := releaseProvenance(ctx, o, res.Artifacts, signed)
		if err != nil {
			return nil, err
		}
		res.Provenance = why
		for i := range res.Artifacts {
			n := 0
			for _, pb := range bundles {
				if pb.covers(res.Artifacts[i].Digest) {
					res.Artifacts[i].Attestations = append(res.Artifacts[i].Attestations, pb.bundle)
					if n++; n == 1 {
						res.Artifacts[i].dsseNames = append(res.Artifacts[i].dsseNames, res.Artifacts[i].Name+".provenance.dsse.json")
					} else {
						res.Artifacts[i].dsseNames = append(res.Artifacts[i].dsseNames, fmt.Sprintf("%s.provenance-%d.dsse.json", res.Artifacts[i].Name, n))
					}
				}
			}
		}
	}

	for _, art := range res.Artifacts {
		if len(art.Attestations) == 0 {
			// Only an artifact released without SBOM can get here: provenance had to cover it.
			return nil, fmt.Errorf("%w: %s has no SBOM and no provenance covers it: nothing signed would be published for it", ErrProvenance, art.Name)
		}
		var jsonl bytes.Buffer
		for _, l := range art.Attestations {
			if err := json.Compact(&jsonl, l); err != nil {
				return nil, err
			}
			jsonl.WriteByte('\n')
		}
		if err := stage(art.Name+".intoto.jsonl", jsonl.Bytes(), false); err != nil {
			return nil, err
		}
		if !o.ExportDSSE {
			continue
		}
		keyID, err := attest.SignerKeyID(o.Sign)
		if err != nil {
			return nil, err
		}
		for i, b := range art.Attestations {
			env, err := attest.ExportDSSE(b, keyID)
			if err != nil {
				return nil, err
			}
			if err := stage(art.dsseNames[i], env, false); err != nil {
				return nil, err
			}
		}
	}
	var sumFile bytes.Buffer
	for _, n := range slices.Sorted(func(yield func(string) bool) {
		for n := range sums {
			if !yield(n) {
				return
			}
		}
	}) {
		sumFile.WriteString(SHA256SumLine(sums[n], n))
	}
	res.Files = append(res.Files, "SHA256SUMS")
	if err := batch.Add(filepath.Join(res.OutputDir, "SHA256SUMS"), 0o644, sumFile.Bytes()); err != nil {
		return nil, err
	}
	if err := batch.Commit(); err != nil {
		return nil, err
	}
	return res, nil
}

// withJSONForms returns the formats to write: those asked for (CycloneDX and SPDX JSON when none), plus the JSON
// form of every XML or tag-value one, since an attestation's predicate is JSON: a release never has fewer signed
// SBOMs than SBOMs.
func withJSONForms(asked []format.Format, logf func(string, ...any)) []format.Format {
	if len(asked) == 0 {
		for _, n := range []string{"cyclonedx-json", "spdx-json"} {
			f, _ := format.Parse(n)
			asked = append(asked, f)
		}
	}
	out := slices.Clone(asked)
	for _, f := range asked {
		if attest.SBOMPredicateType(f) != "" {
			continue
		}
		j := f
		j.Name = map[string]string{"cyclonedx-xml": "cyclonedx-json", "spdx-tag-value": "spdx-json"}[f.Name]
		if j.Name == "" || slices.ContainsFunc(out, func(o format.Format) bool { return o.Name == j.Name }) {
			continue // the family's JSON form is written already
		}
		logf("also writing %s: it is what the attestation of %s carries (in-toto predicates are JSON)", j, f)
		out = append(out, j)
	}
	return out
}

// Time is a release's documents' time: sourceDateEpoch when given (SOURCE_DATE_EPOCH), else the commit time of the
// checkout the process runs in, else the newest artifact's modification time; so that re-running a release gives
// the same SBOMs.
func Time(ctx context.Context, artifacts []string, sourceDateEpoch *time.Time) time.Time {
	if sourceDateEpoch != nil {
		return sourceDateEpoch.UTC()
	}
	if out, err := exec.CommandContext(ctx, "git", "log", "-1", "--format=%ct").Output(); err == nil {
		if n, err := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64); err == nil {
			return time.Unix(n, 0).UTC()
		}
	}
	var newest time.Time
	for _, p := range artifacts {
		if st, err := os.Stat(p); err == nil && st.ModTime().After(newest) {
			newest = st.ModTime()
		}
	}
	return newest.UTC().Truncate(time.Second)
}

// Expand lists the artifacts of the inputs: files as given, and the binaries and archives directly in directories
// (recognised by their first bytes).
func Expand(inputs []string) ([]string, error) {
	var out []string
	for _, in := range inputs {
		st, err := os.Stat(in)
		if err != nil {
			return nil, err
		}
		if !st.IsDir() {
			out = append(out, in)
			continue
		}
		entries, err := os.ReadDir(in)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			if !e.Type().IsRegular() {
				continue
			}
			p := filepath.Join(in, e.Name())
			f, _, err := inputfile.Open(p)
			if err != nil {
				return nil, err
			}
			head := make([]byte, 512)
			n, _ := io.ReadFull(f, head)
			f.Close()
			if binary.IsBinaryOrArchive(head[:n]) {
				out = append(out, p)
			}
		}
	}
	return out, nil
}

// Document is the SBOM of one artifact: its embedded data, or for a release archive the binaries inside it. An
// artifact without data gives an error wrapping auditable.ErrNotAuditable.
func Document(ctx context.Context, path string, algs []sbom.HashAlgorithm, created time.Time) (*sbom.Document, error) {
	return document(ctx, path, algs, created, nil)
}

// document is Document, telling warn how cargo's SBOM precursor next to a binary was used.
func document(ctx context.Context, path string, algs []sbom.HashAlgorithm, created time.Time, warn func(string, ...any)) (*sbom.Document, error) {
	res, err := binary.ReadFile(path, binary.Options{Hashes: algs, Created: created})
	switch {
	case err == nil:
		if warn != nil && len(res.PrecursorConflicts) > 0 {
			warn("warning: %s: cargo's SBOM precursor %s disagrees with the data the binary embeds, which is used: %s",
				path, res.Precursor, strings.Join(res.PrecursorConflicts, "; "))
		} else if warn != nil && res.File == nil && res.Precursor != "" {
			warn("warning: %s carries no cargo-auditable data: its SBOM is read from cargo's SBOM precursor %s, which nothing in the binary confirms", path, res.Precursor)
		}
		return res.Doc, nil
	case !errors.Is(err, auditable.ErrUnknownFormat):
		return nil, err
	}
	items, err := binary.Scan(ctx, []string{path}, binary.ScanOptions{Options: binary.Options{Hashes: algs, Created: created}})
	if err != nil {
		return nil, err
	}
	var docs []*sbom.Document
	for _, it := range items {
		if it.Image != nil && errors.Is(it.Err, auditable.ErrNotAuditable) {
			continue // an image holds the binaries of every language; its Rust ones are described
		}
		if it.Err != nil {
			return nil, fmt.Errorf("%s: %w", it.Path, it.Err)
		}
		docs = append(docs, it.Result.Doc)
	}
	if len(docs) == 0 {
		return nil, fmt.Errorf("%s: %w: no binaries with cargo-auditable data inside", path, auditable.ErrNotAuditable)
	}
	f, _, err := inputfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	hashes, err := binary.DigestContext(ctx, f, algs)
	if err != nil {
		return nil, err
	}
	doc := sbom.MergeArtifacts(filepath.Base(path), docs, created)
	doc.Subject.Type = sbom.TypeFile
	doc.Subject.Hashes = hashes
	doc.Normalize()
	return doc, nil
}

// SHA256SumLine is one line of a SHA256SUMS file as GNU sha256sum writes it: a file name holding a backslash, a
// line feed or a carriage return is escaped (\\, \n, \r) and the line starts with a backslash, so that no name
// can end its line and forge another.
func SHA256SumLine(hexDigest, name string) string {
	if !strings.ContainsAny(name, "\\\n\r") {
		return hexDigest + "  " + name + "\n"
	}
	escaped := strings.NewReplacer("\\", "\\\\", "\n", "\\n", "\r", "\\r").Replace(name)
	return "\\" + hexDigest + "  " + escaped + "\n"
}

// provenanceBundle is a signed provenance statement and the subjects it names.
type provenanceBundle struct {
	bundle   []byte
	subjects []attest.Subject
}

// covers reports whether the statement names the artifact.
func (pb provenanceBundle) covers(digest map[string]string) bool {
	return slices.ContainsFunc(pb.subjects, func(s attest.Subject) bool { return sameDigest(s.Digest, digest) })
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

// releaseProvenance returns the signed provenance of the release and a sentence saying what it is and why.
func releaseProvenance(ctx context.Context, o Options, arts []Artifact, signed []byte) ([]provenanceBundle, string, error) {
	p := o.Provenance
	if p.Isolated != nil {
		return isolatedProvenance(ctx, o, arts)
	}
	if p.Record == "" {
		return workspaceProvenance(ctx, o, arts)
	}
	data, err := inputfile.ReadAll(p.Record, limits.MaxBundleSize)
	if err != nil {
		return nil, "", err
	}
	var probe struct {
		Type string `json:"_type"`
	}
	if json.Unmarshal(data, &probe) == nil && probe.Type != "" {
		stmt, err := attest.ParseStatement(data)
		if err != nil {
			return nil, "", fmt.Errorf("%s: %w", p.Record, err)
		}
		if err := releaseSubjects(p.Record, stmt, arts); err != nil {
			return nil, "", err
		}
		if err := builderIsSigner(ctx, p.Record, stmt, o.Sign); err != nil {
			return nil, "", err
		}
		b, err := attest.Sign(ctx, stmt, o.Sign)
		if err != nil {
			return nil, "", err
		}
		why := fmt.Sprintf("signed the build record %s (%d subject(s), all of them artifacts of this release)", p.Record, len(stmt.Subject))
		return []provenanceBundle{{bundle: b, subjects: stmt.Subject}}, why, nil
	}
	policy, err := signerPolicy(o.Sign, signed)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", p.Record, err)
	}
	ev, err := attest.ReadEvidence(p.Record)
	if err != nil {
		return nil, "", err
	}
	var out []provenanceBundle
	for _, e := range ev {
		stmt, _, err := attest.VerifyStatement(e, policy)
		if err != nil {
			return nil, "", fmt.Errorf("the build record is not signed by the signer of this release: %w", err)
		}
		if stmt.PredicateType != attest.PredicateSLSAProvenance1 {
			return nil, "", fmt.Errorf("%w: %s: predicate type %s, want %s", ErrProvenance, e.Source, safetext.Quote(stmt.PredicateType, 0), attest.PredicateSLSAProvenance1)
		}
		if err := releaseSubjects(e.Source, stmt, arts); err != nil {
			return nil, "", err
		}
		out = append(out, provenanceBundle{bundle: e.Data, subjects: stmt.Subject})
	}
	return out, fmt.Sprintf("%d signed statement(s) from %s, verified as signed by this release's signer", len(out), p.Record), nil
}

// signerPolicy is the verification policy of the release's own signer: its public key, or the keyless identity of
// a bundle it has just signed.
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
// digest), and at least one subject there must be.
func releaseSubjects(source string, stmt *attest.Statement, arts []Artifact) error {
	var foreign []string
	for _, sub := range stmt.Subject {
		if !slices.ContainsFunc(arts, func(a Artifact) bool { return sameDigest(sub.Digest, a.Digest) }) {
			foreign = append(foreign, fmt.Sprintf("%s (sha256:%s)", safetext.Quote(sub.Name, 0), sub.Digest["sha256"]))
		}
	}
	if len(foreign) > 0 {
		return fmt.Errorf("%w: %s names %d subject(s) that are not artifacts of this release, refusing to sign or publish it: %s",
			ErrProvenance, source, len(foreign), strings.Join(foreign[:min(len(foreign), 5)], ", "))
	}
	if len(stmt.Subject) == 0 {
		return fmt.Errorf("%w: %s names no subject", ErrProvenance, source)
	}
	return nil
}

// workspaceProvenance makes provenance from the workspace when there is one: what the workspace and the CI say,
// and no command, profile or times (not known).
func workspaceProvenance(ctx context.Context, o Options, arts []Artifact) ([]provenanceBundle, string, error) {
	manifest := o.Provenance.Manifest
	if manifest == "" {
		if _, err := os.Stat("Cargo.toml"); err != nil {
			return nil, "none: no build record given, and no Cargo.toml here to make provenance from", nil
		}
		manifest = "Cargo.toml"
	}
	var paths []string
	for _, art := range arts {
		paths = append(paths, art.Path)
	}
	builder, err := signerBuilder(ctx, o.Sign)
	if err != nil {
		return nil, "", err
	}
	stmt, err := provenance.Statement(ctx, provenance.StatementOptions{ManifestPath: manifest, Lookup: o.Provenance.Lookup,
		Artifacts: paths, ToolVersion: o.Provenance.ToolVersion, BuilderID: builder})
	if err != nil {
		return nil, "", err
	}
	b, err := attest.Sign(ctx, stmt, o.Sign)
	if err != nil {
		return nil, "", err
	}
	why := fmt.Sprintf("made from the workspace of %s (no build record given: without the build command and times)", manifest)
	return []provenanceBundle{{bundle: b, subjects: stmt.Subject}}, why, nil
}

// signerBuilder is the builder a keyless signer's certificate certifies: the CI workflow that holds the identity
// (its Build Signer URI). It is "" for a key, or an identity that is no CI workflow's (an e-mail address).
func signerBuilder(ctx context.Context, opts attest.SignOptions) (string, error) {
	cert, err := attest.SignerCertificate(ctx, opts)
	if err != nil || cert == nil {
		return "", err
	}
	return cert.BuildSignerURI, nil
}

// builderIsSigner refuses to sign provenance that names another builder than the CI workflow whose identity
// signs it: verifiers refuse it (attest.BuilderBinding), and it would claim a builder that did not vouch for it.
func builderIsSigner(ctx context.Context, source string, stmt *attest.Statement, opts attest.SignOptions) error {
	cert, err := attest.SignerCertificate(ctx, opts)
	if err != nil || cert == nil || cert.BuildSignerURI == "" {
		return err
	}
	if _, err := attest.BuilderBinding(stmt.Predicate, cert); err != nil {
		return fmt.Errorf("%w: %s: %v: this job signs as %s; record the build in the job that signs, or use the isolated build of docs/slsa.md",
			ErrProvenance, source, err, cert.BuildSignerURI)
	}
	return nil
}

// isolatedProvenance makes the provenance of a build that ran in another job (Isolated), and signs it.
func isolatedProvenance(ctx context.Context, o Options, arts []Artifact) ([]provenanceBundle, string, error) {
	iso := o.Provenance.Isolated
	if len(iso.Command) == 0 {
		return nil, "", fmt.Errorf("%w: an isolated build needs the command its job was defined to run", ErrProvenance)
	}
	data, err := inputfile.ReadAll(iso.Record, limits.MaxBundleSize)
	if err != nil {
		return nil, "", err
	}
	rec, err := attest.ParseStatement(data)
	if err != nil {
		return nil, "", fmt.Errorf("%s: %w", iso.Record, err)
	}
	if rec.PredicateType != attest.PredicateSLSAProvenance1 {
		return nil, "", fmt.Errorf("%w: %s: predicate type %s, want %s", ErrProvenance, iso.Record, safetext.Quote(rec.PredicateType, 0), attest.PredicateSLSAProvenance1)
	}
	if err := exactlyTheArtifacts(iso.Record, rec, arts); err != nil {
		return nil, "", err
	}
	report, err := readBuildReport(rec.Predicate)
	if err != nil {
		return nil, "", fmt.Errorf("%w: %s: %v", ErrProvenance, iso.Record, err)
	}
	if !slices.Equal(report.command, iso.Command) {
		return nil, "", fmt.Errorf("%w: %s reports the command %s, but the build job was defined to run %s",
			ErrProvenance, iso.Record, safetext.Quote(strings.Join(report.command, " "), 200), safetext.Quote(strings.Join(iso.Command, " "), 200))
	}
	builder := iso.BuilderID
	if builder == "" {
		cert, err := attest.SignerCertificate(ctx, o.Sign)
		switch {
		case err != nil:
			return nil, "", err
		case cert == nil:
			return nil, "", fmt.Errorf("%w: a key signs this release: name the builder of the isolated build", ErrProvenance)
		case cert.BuildSignerURI == "":
			return nil, "", fmt.Errorf("%w: the signing identity %s is not a CI workflow's: name the builder of the isolated build", ErrProvenance, cert.SubjectAlternativeName)
		}
		builder = cert.BuildSignerURI
	}
	manifest := iso.Manifest
	if manifest == "" {
		manifest = "Cargo.toml"
	}
	facts, err := provenance.Gather(ctx, provenance.GatherOptions{ManifestPath: manifest, Lookup: o.Provenance.Lookup,
		Build: provenance.ParseCargoArgs(iso.Command), NoWorkspacePrograms: true, Rustc: report.rustc})
	if err != nil {
		return nil, "", err
	}
	facts.CI.BuilderID = builder
	facts.RustcReported = report.rustc != nil
	facts.StartedOn, facts.FinishedOn = report.started, report.finished
	facts.Inputs = iso.Inputs
	facts.ToolVersion = o.Provenance.ToolVersion
	sum := sha256.Sum256(data)
	if facts.CI.Internal == nil {
		facts.CI.Internal = map[string]any{}
	}
	facts.CI.Internal["isolatedBuild"] = map[string]any{
		"record":     map[string]any{"sha256": hex.EncodeToString(sum[:])},
		"reportedBy": "build",
		"reported":   []any{"rustc", "startedOn", "finishedOn"},
	}
	pred, err := provenance.Predicate(facts)
	if err != nil {
		return nil, "", err
	}
	var subjects []attest.Subject
	for _, a := range arts {
		subjects = append(subjects, attest.Subject{Name: a.Name, Digest: a.Digest})
	}
	stmt, err := attest.NewStatement(subjects, attest.PredicateSLSAProvenance1, pred)
	if err != nil {
		return nil, "", err
	}
	b, err := attest.Sign(ctx, stmt, o.Sign)
	if err != nil {
		return nil, "", err
	}
	why := fmt.Sprintf("made here for the isolated build of %s (%d artifact(s), exactly its record's), built by %s", iso.Record, len(arts), builder)
	return []provenanceBundle{{bundle: b, subjects: stmt.Subject}}, why, nil
}

// exactlyTheArtifacts holds an isolated build's record to the release: its subjects and the artifacts must be the
// same files, by SHA-256, none more on either side.
func exactlyTheArtifacts(source string, rec *attest.Statement, arts []Artifact) error {
	var foreign, missing []string
	for _, sub := range rec.Subject {
		if !slices.ContainsFunc(arts, func(a Artifact) bool { return sameDigest(sub.Digest, a.Digest) }) {
			foreign = append(foreign, fmt.Sprintf("%s (sha256:%s)", safetext.Quote(sub.Name, 0), sub.Digest["sha256"]))
		}
	}
	for _, a := range arts {
		if !slices.ContainsFunc(rec.Subject, func(sub attest.Subject) bool { return sameDigest(sub.Digest, a.Digest) }) {
			missing = append(missing, fmt.Sprintf("%s (sha256:%s)", safetext.Quote(a.Name, 0), a.Digest["sha256"]))
		}
	}
	switch {
	case len(foreign) > 0:
		return fmt.Errorf("%w: %s names %d file(s) that are not artifacts of this release: %s", ErrProvenance, source, len(foreign), strings.Join(foreign[:min(len(foreign), 5)], ", "))
	case len(missing) > 0:
		return fmt.Errorf("%w: %s does not name %d artifact(s) of this release, which the build job therefore did not report making: %s", ErrProvenance, source, len(missing), strings.Join(missing[:min(len(missing), 5)], ", "))
	}
	return nil
}

// buildReport is what an isolated build's record says about the build: the command it ran, the toolchain, the
// times. Only what the provenance marks as reported is taken from it.
type buildReport struct {
	command           []string
	rustc             *cargo.Rustc
	started, finished time.Time
}

func readBuildReport(predicate []byte) (*buildReport, error) {
	var p struct {
		BuildDefinition struct {
			ExternalParameters struct {
				Command []string `json:"command"`
			} `json:"externalParameters"`
			ResolvedDependencies []struct {
				Name        string            `json:"name"`
				Digest      map[string]string `json:"digest"`
				Annotations map[string]any    `json:"annotations"`
			} `json:"resolvedDependencies"`
		} `json:"buildDefinition"`
		RunDetails struct {
			Metadata struct {
				StartedOn  string `json:"startedOn"`
				FinishedOn string `json:"finishedOn"`
			} `json:"metadata"`
		} `json:"runDetails"`
	}
	if err := json.Unmarshal(predicate, &p); err != nil {
		return nil, fmt.Errorf("not SLSA provenance: %v", err)
	}
	r := &buildReport{command: p.BuildDefinition.ExternalParameters.Command}
	for _, d := range p.BuildDefinition.ResolvedDependencies {
		if d.Name != "rustc" {
			continue
		}
		str := func(k string) string {
			v, _ := d.Annotations[k].(string)
			return safetext.Line(v, 200)
		}
		r.rustc = &cargo.Rustc{Version: str("version"), Release: str("release"), Host: str("host"), CommitDate: str("commitDate"),
			LLVM: str("llvm"), CommitHash: safetext.Line(d.Digest["gitCommit"], 64)}
	}
	var err error
	if s := p.RunDetails.Metadata.StartedOn; s != "" {
		if r.started, err = time.Parse(time.RFC3339, s); err != nil {
			return nil, fmt.Errorf("startedOn: %v", err)
		}
	}
	if s := p.RunDetails.Metadata.FinishedOn; s != "" {
		if r.finished, err = time.Parse(time.RFC3339, s); err != nil {
			return nil, fmt.Errorf("finishedOn: %v", err)
		}
	}
	return r, nil
}
