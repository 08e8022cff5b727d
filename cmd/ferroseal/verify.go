package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/openvex/go-vex/pkg/vex"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/ferroseal/ferroseal/advisory"
	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/audit"
	"github.com/ferroseal/ferroseal/internal/atomicfile"
	"github.com/ferroseal/ferroseal/internal/safetext"
	"github.com/ferroseal/ferroseal/sbom/binary"
)

type verifyFlags struct {
	bundles                                                        []string
	key                                                            string
	identity                                                       attest.IdentityPolicy
	trustedRoot                                                    string
	useSignedTimestamps                                            bool
	requireTlog, requireTimestamps, requireIntegrated, requireSCTs int
	types                                                          []string
	checkSBOM                                                      bool
	output                                                         string
	provenance                                                     attest.ProvenancePolicy
	sourceTag                                                      string
	sourceBr                                                       string
	maxSize                                                        string
	maxPayload                                                     string
	versionedTag                                                   string
	sourceDigest                                                   string
	inputs                                                         []string
	denySelfHosted                                                 bool
	denyAdvisories                                                 bool
	db                                                             string
	digest                                                         string
	printProvenance                                                bool
}

func (a *app) verifyCommand() *cobra.Command {
	var f verifyFlags
	cmd := &cobra.Command{
		Use:   "verify ARTIFACT...",
		Short: "Verify artifacts against their signed attestations",
		Long: `Verify a downloaded artifact against its attestations: every bundle's signature (with --key), the
artifact's SHA-256 (computed by streaming it) against the statements' subjects, the predicate types required with
--type, and with --check-sbom that each attested SBOM lists exactly the crates the binary embeds.

Signers: --key for key-signed bundles; for keyless ones, --certificate-identity (or -regexp) and
--certificate-oidc-issuer (or -regexp), whose regular expressions must match the whole value, with GitHub workflow
extensions as further requirements, checked against --trusted-root (default: public-good Sigstore's, through TUF).
Keyless bundles must prove their time: by default with a Rekor v1 log entry's integrated time; with
--use-signed-timestamps by an RFC 3161 timestamp (needed for Rekor v2). The --require-* counts set how many log
entries and timestamps each bundle must carry; none is ever taken from the bundle.

--bundle reads a .sigstore.json (one bundle) or an .intoto.jsonl (one bundle or DSSE envelope per line; every line
must verify; lines about other artifacts are reported and not counted). Without --bundle, ARTIFACT.sigstore.json
and ARTIFACT.intoto.jsonl are read when present. The policy is only ever what these flags say.

Several artifacts are each verified under the same policy, with a verdict each; the exit code is 3 when any fails.
--digest sha256:HEX verifies an artifact that is not at hand, named by the one argument (bundles found by that
name), as cosign's and gh's --digest do; --check-sbom needs the file itself.

Provenance: a statement signed keylessly by a CI workflow must name that workflow as its builder (for GitHub's own
artifact attestations, the runner kind and the workflow that ran), and the commit its certificate certifies; a
statement naming another builder fails, whatever the flags. --builder-id (exact, or without "@REF": any ref of it),
--build-type, --source-uri, --source-ref, --source-tag, --source-branch, --source-versioned-tag (vMAJOR[.MINOR[.PATCH]],
compared as semantic versions), --source-digest (the commit, in the provenance and in the certificate) and
--build-workflow-input NAME=VALUE require what slsa-verifier does; --signer-workflow and --signer-repo name the
signing workflow as gh attestation verify does, --deny-self-hosted-runners refuses signatures made on runners the
CI service does not host. --print-provenance writes each verified provenance statement to stdout (one JSON line
each; the summary goes to stderr). GitHub's artifact attestations (gh attestation download) are Sigstore bundles of
SLSA provenance: verify them with these flags and --bundle.

` + exitCodesHelp,
		Example: `  ferroseal verify app --key ferroseal.pub --type cyclonedx
  ferroseal verify app --bundle app.intoto.jsonl --key ferroseal.pub --type cyclonedx --type slsaprovenance1 --check-sbom
  ferroseal verify app --key ferroseal.pub --builder-id https://github.com/ferroseal/ferroseal/builders/local@v1 --source-uri github.com/o/r --source-tag v1.2.0
  ferroseal verify app --key ferroseal.pub -o json | jq .verified
  ferroseal verify app --certificate-identity https://github.com/o/r/.github/workflows/release.yml@refs/tags/v1.2.0 \
    --certificate-oidc-issuer https://token.actions.githubusercontent.com --type cyclonedx --check-sbom`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runVerify(cmd, &f, args) },
	}
	fl := cmd.Flags()
	fl.StringArrayVar(&f.bundles, "bundle", nil, "bundle files (.sigstore.json, .intoto.jsonl); default ARTIFACT.sigstore.json and ARTIFACT.intoto.jsonl")
	fl.StringVar(&f.key, "key", "", "public key (PEM) the attestations must be signed with")
	fl.StringVar(&f.identity.Identity, "certificate-identity", "", "keyless: the signer's identity (the certificate's SAN), exactly")
	fl.StringVar(&f.identity.IdentityRegexp, "certificate-identity-regexp", "", "keyless: a regular expression the whole identity must match")
	fl.StringVar(&f.identity.Issuer, "certificate-oidc-issuer", "", "keyless: the OIDC issuer that vouched for the identity, exactly")
	fl.StringVar(&f.identity.IssuerRegexp, "certificate-oidc-issuer-regexp", "", "keyless: a regular expression the whole issuer must match")
	fl.StringVar(&f.identity.Extensions.GithubWorkflowRepository, "certificate-github-workflow-repository", "", "keyless: the GitHub repository (owner/repo) the workflow ran in")
	fl.StringVar(&f.identity.Extensions.GithubWorkflowRef, "certificate-github-workflow-ref", "", "keyless: the git ref the workflow ran for (refs/tags/v1.2.0)")
	fl.StringVar(&f.identity.Extensions.GithubWorkflowName, "certificate-github-workflow-name", "", "keyless: the workflow's name")
	fl.StringVar(&f.identity.Extensions.GithubWorkflowSHA, "certificate-github-workflow-sha", "", "keyless: the commit the workflow ran on")
	fl.StringVar(&f.identity.Extensions.GithubWorkflowTrigger, "certificate-github-workflow-trigger", "", "keyless: the event that started the workflow (push, release, ...)")
	fl.StringVar(&f.trustedRoot, "trusted-root", "", "trusted_root.json (Fulcio CAs, Rekor logs, timestamp authorities), read offline (default $FERROSEAL_TRUSTED_ROOT)")
	fl.BoolVar(&f.useSignedTimestamps, "use-signed-timestamps", false, "prove signing time by RFC 3161 timestamps instead of log entries' integrated time")
	fl.IntVar(&f.requireTlog, "require-tlog", -1, "transparency log entries each bundle must carry (default 1 keyless, 0 with a key)")
	fl.IntVar(&f.requireTimestamps, "require-timestamps", -1, "RFC 3161 timestamps each bundle must carry (default 1 with --use-signed-timestamps, else 0)")
	fl.IntVar(&f.requireIntegrated, "require-integrated-timestamps", -1, "log entries' integrated timestamps required (default 1 keyless without --use-signed-timestamps, else 0)")
	fl.IntVar(&f.requireSCTs, "require-scts", -1, "certificate transparency SCTs each certificate must carry (default 1 keyless when the trusted root lists CT logs, as cosign requires; else 0)")
	fl.StringArrayVar(&f.types, "type", nil, "required predicate type, repeatable: cyclonedx, spdx, slsaprovenance1 or a URI")
	fl.BoolVar(&f.checkSBOM, "check-sbom", false, "require the attested SBOM to list exactly the crates the binary embeds")
	fl.StringVarP(&f.output, "output", "o", "text", "result FORMAT[=FILE]: text, or json (every detail); to stdout, or FILE")
	fl.StringVar(&f.provenance.BuilderID, "builder-id", "", "required SLSA builder id (exact)")
	fl.StringVar(&f.provenance.BuildType, "build-type", "", "required SLSA build type (exact)")
	fl.StringVar(&f.provenance.SourceURI, "source-uri", "", "required source repository, e.g. github.com/owner/repo")
	fl.StringVar(&f.provenance.SourceRef, "source-ref", "", "required git ref, e.g. refs/tags/v1.2.0")
	fl.StringVar(&f.sourceTag, "source-tag", "", "required git tag: the ref built (refs/tags/TAG), or a tag recorded as pointing at the commit built")
	fl.StringVar(&f.sourceBr, "source-branch", "", "required git branch (refs/heads/BRANCH)")
	fl.StringVar(&f.versionedTag, "source-versioned-tag", "", "required version of the tag built, compared as semantic versions: v1 accepts v1.4.2, v1.2 accepts v1.2.9")
	fl.StringVar(&f.sourceDigest, "source-digest", "", "required commit built (hex), in the provenance and in the signing certificate")
	fl.StringArrayVar(&f.inputs, "build-workflow-input", nil, "required input of the build, NAME=VALUE (repeatable)")
	fl.BoolVar(&f.denyAdvisories, "deny-advisories", false, "fail when the artifact holds a crate with a known vulnerability (RustSec, --db) that no signed, verified OpenVEX statement about it marks not_affected or fixed")
	fl.StringVar(&f.db, "db", "", "with --deny-advisories: the advisory database directory (default $CARGO_HOME/advisory-db)")
	fl.BoolVar(&f.denySelfHosted, "deny-self-hosted-runners", false, "refuse attestations signed on runners the CI service does not host")
	fl.StringVar(&f.identity.SignerWorkflow, "signer-workflow", "", "keyless: the workflow that signed, [HOST/]OWNER/REPO/PATH (any ref; issuer GitHub's by default)")
	fl.StringVar(&f.identity.SignerRepo, "signer-repo", "", "keyless: the repository of the workflow that signed, [HOST/]OWNER/REPO")
	fl.StringVar(&f.identity.Extensions.BuildSignerDigest, "signer-digest", "", "keyless: the commit of the workflow that signed (its Build Signer Digest)")
	fl.StringVar(&f.digest, "digest", "", "verify by digest (sha256:HEX) an artifact that is not at hand, named by the argument")
	fl.BoolVar(&f.printProvenance, "print-provenance", false, "write each verified provenance statement to stdout, one JSON line each")
	fl.StringVar(&f.maxSize, "max-file-size", "1GiB", "largest binary read for --check-sbom")
	fl.StringVar(&f.maxPayload, "max-payload-size", "8MiB", "largest decompressed cargo-auditable data accepted")
	cmd.MarkFlagsMutuallyExclusive("source-ref", "source-tag", "source-branch")
	return cmd
}

func (a *app) verifyPolicy(f *verifyFlags) (attest.Policy, error) {
	var p attest.Policy
	var err error
	if name, _, _ := strings.Cut(f.output, "="); name != "text" && name != "json" {
		return p, usageErrorf("--output %q: want text or json, optionally =FILE", f.output)
	}
	for _, t := range f.types {
		u, err := attest.PredicateType(t)
		if err != nil {
			return p, withCode(exitUsage, err)
		}
		p.PredicateTypes = append(p.PredicateTypes, u)
	}
	keyless := f.identity.Identity != "" || f.identity.IdentityRegexp != "" || f.identity.Issuer != "" || f.identity.IssuerRegexp != "" ||
		f.identity.SignerWorkflow != "" || f.identity.SignerRepo != "" || f.identity.Extensions != (certificate.Extensions{})
	switch {
	case f.key != "" && keyless:
		return p, usageErrorf("--key and certificate identity flags are contradictory: verify key-signed or keyless bundles")
	case f.key == "" && !keyless:
		return p, usageErrorf("give who must have signed: --key FILE, or --certificate-identity and --certificate-oidc-issuer")
	case f.key != "":
		pub, err := attest.LoadPublicKey(f.key)
		if err != nil {
			return p, err
		}
		p.Key = pub
	default:
		id, err := attest.NewIdentity(f.identity)
		if err != nil {
			return p, withCode(exitUsage, err)
		}
		p.Identities = []verify.CertificateIdentity{id}
	}
	if f.trustedRoot == "" {
		f.trustedRoot = a.getenv("FERROSEAL_TRUSTED_ROOT")
	}
	if f.trustedRoot != "" {
		tr, err := attest.LoadTrustedRoot(f.trustedRoot)
		if err != nil {
			return p, err
		}
		p.TrustedMaterial = tr
	} else if keyless {
		tr, err := root.FetchTrustedRoot()
		if err != nil {
			return p, fmt.Errorf("fetching public-good Sigstore's trusted root (or give --trusted-root FILE): %w", err)
		}
		p.TrustedMaterial = tr
	}
	// Required counts: the flags, else fixed defaults. Never what the bundle happens to carry.
	def := func(v, d int) int {
		if v >= 0 {
			return v
		}
		return d
	}
	signed, integrated, tlog := 0, 0, 0
	if keyless {
		tlog = 1
		integrated = 1
	}
	if f.useSignedTimestamps {
		signed, integrated = 1, 0
	}
	p.TransparencyLogEntries = def(f.requireTlog, tlog)
	p.SignedTimestamps = def(f.requireTimestamps, signed)
	p.IntegratedTimestamps = def(f.requireIntegrated, integrated)
	scts := 0
	if keyless && p.TrustedMaterial != nil && len(p.TrustedMaterial.CTLogs()) > 0 {
		scts = 1
	}
	p.SCTs = def(f.requireSCTs, scts)
	p.CheckSBOM = f.checkSBOM
	if p.Auditable.MaxFileSize, err = parseSize(f.maxSize); err != nil {
		return p, usageErrorf("--max-file-size: %v", err)
	}
	if p.Auditable.MaxPayloadSize, err = parseSize(f.maxPayload); err != nil {
		return p, usageErrorf("--max-payload-size: %v", err)
	}
	prov := f.provenance
	switch {
	case f.sourceTag != "":
		prov.SourceTag = strings.TrimPrefix(f.sourceTag, "refs/tags/")
	case f.sourceBr != "":
		prov.SourceRef = "refs/heads/" + strings.TrimPrefix(f.sourceBr, "refs/heads/")
	}
	prov.SourceVersionedTag = f.versionedTag
	prov.SourceDigest = f.sourceDigest
	if prov.WorkflowInputs, err = assignments("build-workflow-input", f.inputs); err != nil {
		return p, err
	}
	if !prov.Empty() {
		p.Provenance = &prov
	}
	p.DenySelfHostedRunners = f.denySelfHosted
	if f.printProvenance && !slices.Contains(p.PredicateTypes, attest.PredicateSLSAProvenance1) {
		p.PredicateTypes = append(p.PredicateTypes, attest.PredicateSLSAProvenance1)
	}
	return p, nil
}

func (a *app) runVerify(cmd *cobra.Command, f *verifyFlags, artifacts []string) error {
	policy, err := a.verifyPolicy(f)
	if err != nil {
		return err
	}
	digest := ""
	if f.digest != "" {
		alg, hexDigest, ok := strings.Cut(f.digest, ":")
		if !ok || alg != "sha256" {
			return usageErrorf("--digest %q: want sha256:HEX", f.digest)
		}
		if len(artifacts) != 1 {
			return usageErrorf("--digest names one artifact: give its name alone")
		}
		if f.checkSBOM {
			return usageErrorf("--check-sbom compares the SBOM with the binary itself: it cannot be checked from a digest")
		}
		if f.denyAdvisories {
			return usageErrorf("--deny-advisories reads the crates from the binary itself: it cannot be checked from a digest")
		}
		digest = hexDigest
	}
	if f.db != "" && !f.denyAdvisories {
		return usageErrorf("--db is for --deny-advisories")
	}
	var db *advisory.DB
	if f.denyAdvisories {
		if db, err = loadAdvisories(a.advisoryDir(f.db), f.db != ""); err != nil {
			return err
		}
	}
	var (
		results []*attest.Result
		failed  []string
	)
	for _, artifact := range artifacts {
		var res *attest.Result
		var err error
		if ref, ok := imageRef(artifact); ok {
			res, err = a.verifyImage(cmd, f, policy, ref)
		} else {
			res, err = a.verifyArtifact(cmd, f, policy, artifact, digest)
		}
		if err == nil && db != nil {
			err = a.gateAdvisories(cmd, db, artifact, res)
		}
		switch {
		case errors.Is(err, attest.ErrPolicy):
			return withCode(exitUsage, err)
		case err != nil && !errors.Is(err, attest.ErrVerificationFailed):
			return err
		case err != nil:
			failed = append(failed, artifact)
			if len(artifacts) > 1 {
				a.infof("%s: %v", artifact, err)
			}
		}
		if res == nil {
			res = &attest.Result{Artifact: attest.Subject{Name: artifact}, Problems: []string{err.Error()}}
		}
		results = append(results, res)
	}
	var verdict error
	switch {
	case len(failed) == 1 && len(artifacts) == 1:
		verdict = withCode(exitVerifyFailed, fmt.Errorf("%w: %s", attest.ErrVerificationFailed, strings.Join(results[0].Problems, "; ")))
	case len(failed) > 0:
		verdict = withCode(exitVerifyFailed, fmt.Errorf("%w: %d of %d artifacts: %s", attest.ErrVerificationFailed, len(failed), len(artifacts), strings.Join(failed, ", ")))
	}
	if verdict == nil && f.printProvenance {
		for _, res := range results {
			for _, at := range res.Attestations {
				if at.Verified && at.CoversArtifact && len(at.ProvenanceStatement) > 0 {
					var line bytes.Buffer
					if err := json.Compact(&line, at.ProvenanceStatement); err != nil {
						return err
					}
					line.WriteByte('\n')
					if _, err := a.stdout.Write(line.Bytes()); err != nil {
						return err
					}
				}
			}
		}
	}
	return a.report(f, results, verdict)
}

// verifyArtifact verifies one artifact (or, with a digest, the artifact of that name and digest) against its
// bundles: those --bundle names, else NAME.sigstore.json and NAME.intoto.jsonl.
func (a *app) verifyArtifact(cmd *cobra.Command, f *verifyFlags, policy attest.Policy, artifact, digest string) (*attest.Result, error) {
	if digest == "" {
		st, err := os.Stat(artifact)
		if err != nil {
			return nil, err
		}
		if st.IsDir() {
			return nil, usageErrorf("%s is a directory: verify takes the artifact file (its bundles are found next to it)", artifact)
		}
	}
	bundles := f.bundles
	if len(bundles) == 0 {
		for _, candidate := range []string{artifact + ".sigstore.json", artifact + ".intoto.jsonl"} {
			if _, err := os.Stat(candidate); err == nil {
				bundles = append(bundles, candidate)
			}
		}
		if len(bundles) == 0 {
			// No evidence is a failed verification to whoever downloaded the file, not a usage error.
			err := fmt.Errorf("%w: no attestations: neither %s.sigstore.json nor %s.intoto.jsonl exists (name a bundle with --bundle)",
				attest.ErrVerificationFailed, artifact, artifact)
			return &attest.Result{Artifact: attest.Subject{Name: artifact}, Problems: []string{err.Error()}}, err
		}
	}
	var res *attest.Result
	var err error
	if digest != "" {
		res, err = attest.VerifyDigest(cmd.Context(), artifact, digest, attest.EvidenceFiles(bundles...), policy)
	} else {
		res, err = attest.VerifyStream(cmd.Context(), artifact, attest.EvidenceFiles(bundles...), policy)
	}
	if errors.Is(err, attest.ErrVerificationFailed) {
		a.hints(res)
	}
	if err == nil {
		for _, at := range res.Attestations {
			if at.CoversArtifact && at.Subject != "" && at.Subject != res.Artifact.Name {
				a.warnf("%s is about %s, a file of the same bytes under another name: check that %s is the file you meant", at.Source, at.Subject, res.Artifact.Name)
			}
		}
	}
	return res, err
}

// gateAdvisories fails a verified artifact that holds a crate with a known vulnerability no verified OpenVEX
// statement about it waives; the problems name each.
func (a *app) gateAdvisories(cmd *cobra.Command, db *advisory.DB, artifact string, res *attest.Result) error {
	target := artifact
	if _, ok := imageRef(artifact); ok {
		// The image verified, by the digest its tag was resolved to then: never the tag again.
		target = binary.RegistryPrefix + res.Artifact.Name
	}
	inputs, err := audit.Read(cmd.Context(), []string{target}, audit.ReadOptions{MaxSBOMSize: 1})
	if err != nil {
		return err
	}
	var docs []*vex.VEX
	for _, at := range res.Attestations {
		if !at.Verified || !at.CoversArtifact || at.PredicateType != attest.PredicateOpenVEX || at.Statement() == nil {
			continue
		}
		doc, err := vex.Parse(at.Statement().Predicate)
		if err != nil {
			return fmt.Errorf("%w: %s: a verified OpenVEX attestation that is not OpenVEX: %v", attest.ErrVerificationFailed, at.Source, err)
		}
		docs = append(docs, doc)
	}
	sha := res.Artifact.Digest["sha256"]
	var open []string
	for _, rep := range audit.Run(db, inputs, advisory.Options{}) {
		// An image's platforms are reports of their own manifests, inside the verified one: a statement may name
		// either.
		for _, f := range audit.Unwaived(rep, docs, sha, rep.Digest["sha256"]) {
			open = append(open, fmt.Sprintf("%s in %s %s", f.Advisory.ID, f.Crate, f.Version))
		}
	}
	if len(open) == 0 {
		a.infof("%s: no known vulnerability without a verified VEX statement (%d advisories, %d VEX documents)", artifact, db.Len(), len(docs))
		return nil
	}
	problem := fmt.Sprintf("%d known vulnerabilities that no verified VEX statement marks not_affected: %s", len(open), strings.Join(open, ", "))
	res.Verified = false
	res.Problems = append(res.Problems, problem)
	return fmt.Errorf("%w: %s", attest.ErrVerificationFailed, problem)
}

// hints says which flag would accept bundles that failed by their make rather than by tampering; the choice to
// relax the policy is the user's.
func (a *app) hints(res *attest.Result) {
	said := map[attest.Shortfall]bool{}
	for _, at := range res.Attestations {
		for _, s := range at.Shortfalls {
			if said[s] {
				continue
			}
			said[s] = true
			switch s {
			case attest.ShortfallNoSCT:
				a.infof("hint: the signing certificate carries no signed certificate timestamp (its Sigstore has no certificate transparency log); if that is expected, verify with --require-scts 0 (cosign's --insecure-ignore-sct)")
			case attest.ShortfallSignedTimestampsOnly:
				a.infof("hint: the bundle proves its signing time with RFC 3161 timestamps, not transparency log entries (as with Rekor v2): verify with --use-signed-timestamps")
			}
		}
	}
}

// report prints the results, as JSON (everything: an object for one artifact, an array for several) or as text (a
// summary of each verified artifact that fits a terminal; on stderr when stdout carries provenance), to stdout or
// to the file -o FORMAT=FILE names, and passes the verdict on.
func (a *app) report(f *verifyFlags, results []*attest.Result, verdict error) error {
	format, file, _ := strings.Cut(f.output, "=")
	var buf bytes.Buffer
	if format == "json" {
		enc := json.NewEncoder(&buf)
		enc.SetIndent("", "  ")
		var v any = results
		if len(results) == 1 {
			v = results[0]
		}
		if err := enc.Encode(v); err != nil {
			return err
		}
	} else {
		for _, res := range results {
			if res.Verified {
				a.summary(&buf, res)
			}
		}
	}
	switch {
	case file != "" && file != "-":
		if err := atomicfile.WriteBytes(file, 0o644, buf.Bytes()); err != nil {
			return err
		}
	case f.printProvenance && format != "json":
		if _, err := a.stderr.Write(buf.Bytes()); err != nil {
			return err
		}
	default:
		if _, err := a.stdout.Write(buf.Bytes()); err != nil {
			return err
		}
	}
	return verdict // on failure, one line on stderr says why
}

// summary writes the text result: one fact per line, every line cut to the terminal's width (the JSON result keeps
// everything). Everything but the counts comes from the bundles or the command line, and is escaped.
func (a *app) summary(w io.Writer, res *attest.Result) {
	width := a.width()
	line := func(indent int, format string, args ...any) {
		s := strings.Repeat(" ", indent) + safetext.Line(fmt.Sprintf(format, args...), 0)
		if width > 0 && utf8.RuneCountInString(s) > width {
			r := []rune(s)
			s = string(r[:width-1]) + "…"
		}
		fmt.Fprintln(w, s)
	}
	line(0, "Verified %s", res.Artifact.Name)
	line(2, "sha256:%s", res.Artifact.Digest["sha256"])
	for _, at := range res.Attestations {
		about := ""
		if !at.CoversArtifact {
			about = " (about other artifacts: not counted)"
		}
		line(2, "%s: %s%s", at.Source, at.PredicateType, about)
		if at.Signer != nil {
			if san := at.Signer.Certificate["subjectAlternativeName"]; san != "" {
				line(4, "signed by %s", san)
				line(4, "issuer %s", at.Signer.Certificate["issuer"])
			} else {
				line(4, "signed by the key %s", at.Signer.KeyID)
			}
		}
		if at.CoversArtifact && at.Subject != "" {
			line(4, "subject %s", at.Subject)
		}
		if at.SBOM != nil {
			line(4, "SBOM lists exactly the %d crates the binary embeds", at.SBOM.Crates)
		}
		if pr := at.Provenance; pr != nil {
			if pr.BoundToSigner {
				line(4, "built by %s, which signed it", pr.BuilderID)
			} else {
				line(4, "built by %s", pr.BuilderID)
			}
			if pr.SourceURI != "" {
				src := attest.NormalizeSourceURI(pr.SourceURI)
				if src == "" {
					src = pr.SourceURI
				}
				line(4, "from %s at %s", src, pr.SourceRef)
			}
			if len(pr.SourceTags) > 0 {
				line(4, "tags at the commit built: %s", strings.Join(pr.SourceTags, ", "))
			}
		}
		for _, t := range at.Timestamps {
			line(4, "%s %s", t.Type, t.Time.Format("2006-01-02T15:04:05Z"))
		}
	}
}

// width is the terminal's width when stdout is one ($COLUMNS when it is set), or 0 (no limit) for a pipe or a
// file, which a terminal does not wrap.
func (a *app) width() int {
	if n, err := strconv.Atoi(a.getenv("COLUMNS")); err == nil && n >= 40 {
		return n
	}
	if f, ok := a.stdout.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		if w, _, err := term.GetSize(int(f.Fd())); err == nil && w >= 40 {
			return w
		}
		return 80
	}
	return 0
}
