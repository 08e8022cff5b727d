package attest

import (
	"context"
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"slices"
	"strings"
	"time"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	protodsse "github.com/sigstore/protobuf-specs/gen/pb-go/dsse"
	"github.com/sigstore/sigstore-go/pkg/bundle"
	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"github.com/sigstore/sigstore/pkg/signature"

	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/safetext"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/binary"
)

// Verification errors.
var (
	// ErrVerificationFailed is wrapped by every failure of the evidence: the artifact does not pass.
	ErrVerificationFailed = errors.New("verification failed")
	// ErrPolicy is returned for a policy that cannot be applied (contradictory or incomplete options): a usage
	// error, not a verdict on the artifact.
	ErrPolicy = errors.New("invalid verification policy")
)

// Policy is what an artifact's attestations must satisfy. It comes from the verifier, never from the bundle.
type Policy struct {
	// Key verifies bundles signed with a long-lived key. Exactly one of Key and Identities is set.
	Key crypto.PublicKey
	// Identities verify keyless bundles: the Fulcio certificate must match one of them (sigstore-go's
	// CertificateIdentity; build them with [NewIdentity], whose regular expressions are anchored).
	Identities []verify.CertificateIdentity
	// TrustedMaterial holds the Fulcio CAs, Rekor logs and timestamp authorities to trust (a trusted_root.json).
	// Keyless verification requires it; key verification uses it for timestamps and log entries.
	TrustedMaterial root.TrustedMaterial
	// SignedTimestamps, TransparencyLogEntries, IntegratedTimestamps and SCTs are how many of each every bundle
	// must carry and prove. They are required counts, never inferred from the bundle.
	SignedTimestamps       int
	TransparencyLogEntries int
	IntegratedTimestamps   int
	SCTs                   int
	// ObserverTimestamps is how many times of either kind (a signed timestamp or a log entry's integrated time)
	// every bundle must prove, for a caller that accepts either.
	ObserverTimestamps int
	// PredicateTypes, when set, must each be covered by at least one verified attestation of the artifact.
	PredicateTypes []string
	// CheckSBOM requires every SBOM attestation to list exactly the crates the binary embeds.
	CheckSBOM bool
	// Auditable bounds the binary read for CheckSBOM.
	Auditable auditable.Options
	// Provenance, when set, is checked against every SLSA provenance attestation, and at least one is required.
	// Whatever the policy, a provenance statement signed by a CI workflow's certificate must name that workflow as
	// its builder (BuilderBinding).
	Provenance *ProvenancePolicy
	// DenySelfHostedRunners requires every attestation about the artifact to be signed by a certificate of a
	// runner hosted by the CI service (github-hosted, gitlab-hosted): a machine the project does not control.
	DenySelfHostedRunners bool
}

func (p *Policy) validate() error {
	switch {
	case p.Key != nil && len(p.Identities) > 0:
		return fmt.Errorf("%w: a key and certificate identities are contradictory: give one", ErrPolicy)
	case p.Key == nil && len(p.Identities) == 0:
		return fmt.Errorf("%w: give a public key, or a certificate identity and issuer", ErrPolicy)
	case p.Key == nil && p.TrustedMaterial == nil:
		return fmt.Errorf("%w: keyless verification needs a trusted root", ErrPolicy)
	case p.Key == nil && p.SignedTimestamps == 0 && p.IntegratedTimestamps == 0 && p.ObserverTimestamps == 0:
		return fmt.Errorf("%w: keyless verification needs signed timestamps or integrated (transparency log) timestamps: a certificate is only valid at a proven time", ErrPolicy)
	case (p.SignedTimestamps > 0 || p.TransparencyLogEntries > 0 || p.IntegratedTimestamps > 0 || p.SCTs > 0 || p.ObserverTimestamps > 0) && p.TrustedMaterial == nil:
		return fmt.Errorf("%w: requiring timestamps, log entries or SCTs needs a trusted root to check them with", ErrPolicy)
	case p.SignedTimestamps < 0 || p.TransparencyLogEntries < 0 || p.IntegratedTimestamps < 0 || p.SCTs < 0 || p.ObserverTimestamps < 0:
		return fmt.Errorf("%w: negative counts", ErrPolicy)
	}
	if p.Provenance != nil {
		if err := p.Provenance.Validate(); err != nil {
			return err
		}
	}
	for _, t := range p.PredicateTypes {
		if !strings.Contains(t, "://") {
			return fmt.Errorf("%w: predicate type %q is not a URI", ErrPolicy, t)
		}
	}
	return nil
}

// Signer says who signed an attestation.
type Signer struct {
	// KeyID is the key hint of a key-signed bundle.
	KeyID string `json:"keyId,omitempty"`
	// Certificate summarises the Fulcio certificate of a keyless bundle: identity, issuer and CI extensions.
	Certificate map[string]string `json:"certificate,omitempty"`
}

// Timestamp is a verified time for a signature.
type Timestamp struct {
	Type string    `json:"type"`
	URI  string    `json:"uri,omitempty"`
	Time time.Time `json:"time"`
}

// AttestationResult is the verdict on one bundle.
type AttestationResult struct {
	Source        string    `json:"source"`
	Verified      bool      `json:"verified"`
	PredicateType string    `json:"predicateType,omitempty"`
	Subjects      []Subject `json:"subjects,omitempty"`
	// CoversArtifact is true when one of the subjects is the artifact. A validly signed attestation of other
	// artifacts (a release-wide .intoto.jsonl) is reported, not counted.
	CoversArtifact bool `json:"coversArtifact"`
	// Subject is the name of the subject whose digest is the artifact's: the file's name when it was signed,
	// which may differ from its name now.
	Subject    string            `json:"subject,omitempty"`
	Signer     *Signer           `json:"signer,omitempty"`
	Timestamps []Timestamp       `json:"timestamps,omitempty"`
	SBOM       *SBOMCheck        `json:"sbom,omitempty"`
	Provenance *ProvenanceResult `json:"provenance,omitempty"`
	// ProvenanceStatement is the verified in-toto statement of a provenance attestation about the artifact, as it
	// was signed.
	ProvenanceStatement json.RawMessage `json:"provenanceStatement,omitempty"`
	Error               string          `json:"error,omitempty"`
	// Shortfalls name requirements of the policy a bundle that failed does not meet by its make, rather than by
	// tampering: a front end can say which policy option would accept it, for the user to decide.
	Shortfalls []Shortfall `json:"shortfalls,omitempty"`

	statement *Statement
	cert      *certificate.Summary
}

// Shortfall is a requirement of the policy that a bundle does not meet by its make.
type Shortfall string

// Shortfalls.
const (
	// ShortfallNoSCT: the policy requires signed certificate timestamps (Policy.SCTs) and the bundle's certificate
	// carries none: its Sigstore has no certificate transparency log.
	ShortfallNoSCT Shortfall = "no-sct"
	// ShortfallSignedTimestampsOnly: the policy requires log entries' integrated times (Policy.IntegratedTimestamps)
	// and the bundle proves its time with RFC 3161 timestamps only (a Rekor v2 log records no time).
	ShortfallSignedTimestampsOnly Shortfall = "signed-timestamps-only"
)

// reason puts the likely cause of a failed verification first, in words, before sigstore-go's own: a bundle
// signed with another key (naming both key ids), a keyless bundle checked against a key, or a key-signed bundle
// checked against an identity.
func (p *Policy) reason(b *bundle.Bundle, err error) string {
	vc, verr := b.VerificationContent()
	if verr != nil {
		return err.Error()
	}
	cert := vc.Certificate()
	switch {
	case p.Key != nil && cert != nil:
		return "the bundle is signed keylessly (with a certificate), not with a key: verify it with --certificate-identity and --certificate-oidc-issuer"
	case p.Key == nil && cert == nil:
		hint := ""
		if pk := b.VerificationMaterial.GetPublicKey(); pk != nil && pk.GetHint() != "" {
			hint = " (key id " + pk.GetHint() + ")"
		}
		return "the bundle is signed with a key" + hint + ", not keylessly: verify it with --key"
	case p.Key != nil:
		want, _ := KeyHint(p.Key)
		if pk := b.VerificationMaterial.GetPublicKey(); pk != nil && pk.GetHint() != "" && pk.GetHint() != want {
			return fmt.Sprintf("signed with another key: the bundle names key id %s, the key given is %s", pk.GetHint(), want)
		}
		if strings.Contains(err.Error(), "signature") {
			return fmt.Sprintf("the signature does not verify with the key given (key id %s): the bundle was signed with another key or altered", want)
		}
	}
	return err.Error()
}

// shortfalls tells why a bundle that failed might pass under another policy.
func (p *Policy) shortfalls(b *bundle.Bundle) []Shortfall {
	var out []Shortfall
	if p.SCTs > 0 {
		if vc, err := b.VerificationContent(); err == nil {
			if cert := vc.Certificate(); cert != nil && !slices.ContainsFunc(cert.Extensions, func(e pkix.Extension) bool { return e.Id.Equal(oidSCTList) }) {
				out = append(out, ShortfallNoSCT)
			}
		}
	}
	if p.IntegratedTimestamps > 0 {
		integrated := false
		if entries, err := b.TlogEntries(); err == nil {
			for _, e := range entries {
				integrated = integrated || !e.IntegratedTime().IsZero() && !e.IsRekorV2()
			}
		}
		if ts, err := b.Timestamps(); err == nil && len(ts) > 0 && !integrated {
			out = append(out, ShortfallSignedTimestampsOnly)
		}
	}
	return out
}

// oidSCTList is the X.509 extension that carries a certificate's signed certificate timestamps (RFC 6962).
var oidSCTList = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 11129, 2, 4, 2}

// Result is the verdict on an artifact.
type Result struct {
	Artifact     Subject             `json:"artifact"`
	Verified     bool                `json:"verified"`
	Attestations []AttestationResult `json:"attestations"`
	// Problems are the reasons the artifact failed, in sentences.
	Problems []string `json:"problems,omitempty"`
}

// Statement returns the verified statement of an attestation, or nil.
func (a *AttestationResult) Statement() *Statement { return a.statement }

// Verify checks an artifact against evidence held in memory; see VerifyStream.
func Verify(ctx context.Context, artifactPath string, evidence []Evidence, p Policy) (*Result, error) {
	return VerifyStream(ctx, artifactPath, Evidences(evidence...), p)
}

// VerifyStream checks an artifact against its attestations (each bundle read from evidence, one at a time) under
// the policy, in the order the Sigstore client specification gives (transparency log, time, certificate,
// signature, artifact), by sigstore-go, then the checks of ours: predicate types, SBOM and provenance. It stops at
// the first bundle that fails. It returns the result, and an error wrapping ErrVerificationFailed when the
// artifact fails: when any bundle fails to verify or cannot be read within the bounds, when no verified
// attestation covers the artifact, or when a required predicate type, an SBOM check or a provenance check fails.
// The artifact must be a regular file; it is hashed by streaming it, and the hashing stops with ctx.
func VerifyStream(ctx context.Context, artifactPath string, evidence iter.Seq2[Evidence, error], p Policy) (*Result, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	f, _, err := inputfile.Open(artifactPath)
	if err != nil {
		return nil, err
	}
	hashes, err := binary.DigestContext(ctx, f, []sbom.HashAlgorithm{sbom.SHA256})
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("hashing %s: %w", artifactPath, err)
	}
	return verifyArtifact(ctx, baseName(artifactPath), hashes[0].Value, artifactPath, evidence, p)
}

// VerifyDigest checks an artifact that is not at hand, known by its name and SHA-256 (hex), against its
// attestations: as VerifyStream, without the checks that need the file itself (CheckSBOM, a policy error here).
// VerifyImage checks an image in a registry against its attached evidence, as VerifyDigest checks a digest: ref is
// binary.RegistryPrefix + REPO@sha256:HEX, the manifest the evidence must be about. With CheckSBOM, an attested
// SBOM is compared with the Rust binaries of that image's final filesystem, read from the registry.
func VerifyImage(ctx context.Context, ref, sha256Hex string, evidence iter.Seq2[Evidence, error], p Policy) (*Result, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	if len(sha256Hex) != 64 || !isHex(sha256Hex) || !strings.HasPrefix(ref, binary.RegistryPrefix) || !strings.HasSuffix(ref, "@sha256:"+sha256Hex) {
		return nil, fmt.Errorf("%w: an image is verified by its manifest digest: %s@sha256:HEX", ErrPolicy, binary.RegistryPrefix)
	}
	return verifyArtifact(ctx, strings.TrimPrefix(ref, binary.RegistryPrefix), strings.ToLower(sha256Hex), ref, evidence, p)
}

func VerifyDigest(ctx context.Context, name, sha256Hex string, evidence iter.Seq2[Evidence, error], p Policy) (*Result, error) {
	if err := p.validate(); err != nil {
		return nil, err
	}
	if p.CheckSBOM {
		return nil, fmt.Errorf("%w: checking an SBOM against the binary needs the binary, not its digest", ErrPolicy)
	}
	if len(sha256Hex) != 64 || !isHex(sha256Hex) {
		return nil, fmt.Errorf("%w: a SHA-256 digest is 64 hexadecimal digits, got %q", ErrPolicy, sha256Hex)
	}
	return verifyArtifact(ctx, name, strings.ToLower(sha256Hex), "", evidence, p)
}

// verifyArtifact verifies the artifact of the digest; path is the file, or "" when only its digest is known.
func verifyArtifact(ctx context.Context, name, sha256Hex, artifactPath string, evidence iter.Seq2[Evidence, error], p Policy) (*Result, error) {
	digest, _ := hex.DecodeString(sha256Hex)
	res := &Result{Artifact: Subject{Name: name, Digest: map[string]string{"sha256": sha256Hex}}}
	verifier, err := p.verifier()
	if err != nil {
		return nil, err
	}
	var identity []verify.PolicyOption
	if p.Key != nil {
		identity = []verify.PolicyOption{verify.WithKey()}
	} else {
		for _, id := range p.Identities {
			// sigstore-go accepts a certificate that matches any of the identities given.
			identity = append(identity, verify.WithCertificateIdentity(id))
		}
	}

	seen := 0
	for ev, rerr := range evidence {
		if rerr != nil {
			if !errors.Is(rerr, ErrVerificationFailed) {
				return nil, rerr
			}
			res.Problems = append(res.Problems, safetext.Cut(rerr.Error(), maxProblem))
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		seen++
		ar := p.verifyOne(verifier, identity, ev, digest)
		if ar.Verified && ar.CoversArtifact {
			p.checkPredicate(ctx, artifactPath, &ar)
		}
		if !ar.CoversArtifact {
			ar.statement = nil // only what is about the artifact is kept
		}
		if ar.Error != "" {
			ar.Verified = false
			ar.ProvenanceStatement = nil // only a statement that passed is given out
			ar.Error = safetext.Cut(ar.Error, maxProblem)
			res.Problems = append(res.Problems, ar.Source+": "+ar.Error)
			res.Attestations = append(res.Attestations, ar)
			break // every bundle must verify: the first that does not decides
		}
		res.Attestations = append(res.Attestations, ar)
	}
	if seen == 0 && len(res.Problems) == 0 {
		res.Problems = append(res.Problems, "no attestations")
		return res, fmt.Errorf("%w: no attestations", ErrVerificationFailed)
	}
	if len(res.Problems) > 0 {
		return res, fmt.Errorf("%w: %s", ErrVerificationFailed, strings.Join(res.Problems, "; "))
	}

	covering := 0
	for _, a := range res.Attestations {
		if a.Verified && a.CoversArtifact {
			covering++
		}
	}
	if covering == 0 {
		res.Problems = append(res.Problems, fmt.Sprintf("no attestation is about %s (sha256:%s)", res.Artifact.Name, res.Artifact.Digest["sha256"]))
	}
	for _, want := range p.PredicateTypes {
		if !slices.ContainsFunc(res.Attestations, func(a AttestationResult) bool {
			return a.Verified && a.CoversArtifact && SameType(want, a.PredicateType)
		}) {
			res.Problems = append(res.Problems, "no verified attestation of type "+want)
		}
	}
	if p.Provenance != nil && !slices.ContainsFunc(res.Attestations, func(a AttestationResult) bool {
		return a.Verified && a.CoversArtifact && a.PredicateType == PredicateSLSAProvenance1
	}) {
		res.Problems = append(res.Problems, "no verified SLSA provenance to check the provenance policy against")
	}
	if p.CheckSBOM && !slices.ContainsFunc(res.Attestations, func(a AttestationResult) bool { return a.Verified && a.SBOM != nil }) {
		res.Problems = append(res.Problems, "no verified SBOM attestation to check against the binary")
	}
	res.Verified = len(res.Problems) == 0
	if !res.Verified {
		return res, fmt.Errorf("%w: %s", ErrVerificationFailed, strings.Join(res.Problems, "; "))
	}
	return res, nil
}

// maxProblem bounds a problem's text: errors may quote bundle content, which an attacker sizes.
const maxProblem = 1024

// VerifyStatement verifies one bundle's signature and signer under the policy (its key or identities and
// timestamps), without an artifact, and returns the signed statement: for a caller that checks the statement's
// subjects itself, against several artifacts (a release checking a build's signed provenance). Errors wrap
// ErrVerificationFailed.
func VerifyStatement(ev Evidence, p Policy) (*Statement, *Signer, error) {
	if err := p.validate(); err != nil {
		return nil, nil, err
	}
	v, err := p.verifier()
	if err != nil {
		return nil, nil, err
	}
	var identity []verify.PolicyOption
	if p.Key != nil {
		identity = []verify.PolicyOption{verify.WithKey()}
	} else {
		for _, id := range p.Identities {
			identity = append(identity, verify.WithCertificateIdentity(id))
		}
	}
	fail := func(msg string) error {
		return fmt.Errorf("%w: %s: %s", ErrVerificationFailed, ev.Source, safetext.Cut(msg, maxProblem))
	}
	b, err := p.parseEvidence(ev.Data)
	if err != nil {
		return nil, nil, fail(err.Error())
	}
	result, err := v.Verify(b, verify.NewPolicy(verify.WithoutArtifactUnsafe(), identity...))
	if err != nil {
		return nil, nil, fail(err.Error())
	}
	env, err := b.Envelope()
	if err != nil || env == nil {
		return nil, nil, fail("not a DSSE envelope")
	}
	if env.PayloadType != PayloadType {
		return nil, nil, fail(fmt.Sprintf("payload type %q, want %s", env.PayloadType, PayloadType))
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		return nil, nil, fail("payload: " + err.Error())
	}
	stmt, err := ParseStatement(payload)
	if err != nil {
		return nil, nil, fail(err.Error())
	}
	signer := &Signer{}
	if result.Signature != nil {
		if result.Signature.PublicKeyID != nil {
			signer.KeyID = string(*result.Signature.PublicKeyID)
		}
		if c := result.Signature.Certificate; c != nil {
			signer.Certificate = certificateSummary(c)
		}
	}
	return stmt, signer, nil
}

// SignerIdentity reads who signed a keyless bundle (the certificate's identity and OIDC issuer) without verifying
// it: for a bundle this process has just made, to require the same identity of another bundle. A key-signed
// bundle has no identity: the error says so.
func SignerIdentity(bundleJSON []byte) (IdentityPolicy, error) {
	var b bundle.Bundle
	if err := b.UnmarshalJSON(bundleJSON); err != nil {
		return IdentityPolicy{}, err
	}
	vc, err := b.VerificationContent()
	if err != nil {
		return IdentityPolicy{}, err
	}
	cert := vc.Certificate()
	if cert == nil {
		return IdentityPolicy{}, errors.New("the bundle is signed with a key, not a certificate")
	}
	sum, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		return IdentityPolicy{}, err
	}
	if sum.SubjectAlternativeName == "" || sum.Extensions.Issuer == "" {
		return IdentityPolicy{}, errors.New("the certificate names no identity or issuer")
	}
	return IdentityPolicy{Identity: sum.SubjectAlternativeName, Issuer: sum.Extensions.Issuer}, nil
}

// verifier builds sigstore-go's verifier from the policy's trusted material and required counts.
func (p *Policy) verifier() (*verify.Verifier, error) {
	var material root.TrustedMaterial = p.TrustedMaterial
	if p.Key != nil {
		v, err := signature.LoadDefaultVerifier(p.Key)
		if err != nil {
			return nil, fmt.Errorf("%w: the public key: %v", ErrPolicy, err)
		}
		keys := root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
			// The bundle's key hint is not trusted to choose the key: every bundle is checked against this one.
			return root.NewExpiringKey(v, time.Time{}, time.Time{}), nil
		})
		material = keys
		if p.TrustedMaterial != nil {
			material = root.TrustedMaterialCollection{keys, p.TrustedMaterial}
		}
	}
	var opts []verify.VerifierOption
	if p.SignedTimestamps > 0 {
		opts = append(opts, verify.WithSignedTimestamps(p.SignedTimestamps))
	}
	if p.TransparencyLogEntries > 0 {
		opts = append(opts, verify.WithTransparencyLog(p.TransparencyLogEntries))
	}
	if p.IntegratedTimestamps > 0 {
		opts = append(opts, verify.WithIntegratedTimestamps(p.IntegratedTimestamps))
	}
	if p.SCTs > 0 {
		opts = append(opts, verify.WithSignedCertificateTimestamps(p.SCTs))
	}
	if p.ObserverTimestamps > 0 {
		opts = append(opts, verify.WithObserverTimestamps(p.ObserverTimestamps))
	}
	if p.Key != nil && p.SignedTimestamps == 0 && p.IntegratedTimestamps == 0 && p.ObserverTimestamps == 0 {
		opts = append(opts, verify.WithNoObserverTimestamps())
	}
	v, err := verify.NewVerifier(material, opts...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrPolicy, err)
	}
	return v, nil
}

func (p *Policy) verifyOne(v *verify.Verifier, identity []verify.PolicyOption, ev Evidence, digest []byte) AttestationResult {
	ar := AttestationResult{Source: ev.Source}
	b, err := p.parseEvidence(ev.Data)
	if err != nil {
		ar.Error = err.Error()
		return ar
	}
	result, err := v.Verify(b, verify.NewPolicy(verify.WithArtifactDigest("sha256", digest), identity...))
	if err != nil {
		// Tell a validly signed attestation of other artifacts from a bad one: verify the signature alone.
		var err2 error
		if result, err2 = v.Verify(b, verify.NewPolicy(verify.WithoutArtifactUnsafe(), identity...)); err2 != nil {
			ar.Error = p.reason(b, err)
			ar.Shortfalls = p.shortfalls(b)
			return ar
		}
		ar.CoversArtifact = false
	} else {
		ar.CoversArtifact = true
	}
	env, err := b.Envelope()
	if err != nil || env == nil {
		ar.Error = "not a DSSE envelope: ferroseal verifies in-toto attestations"
		return ar
	}
	payload, err := env.DecodeB64Payload()
	if err != nil {
		ar.Error = "payload: " + err.Error()
		return ar
	}
	if env.PayloadType != PayloadType {
		ar.Error = fmt.Sprintf("payload type %q, want %s", env.PayloadType, PayloadType)
		return ar
	}
	stmt, err := ParseStatement(payload)
	if err != nil {
		ar.Error = err.Error()
		return ar
	}
	ar.statement = stmt
	ar.PredicateType = stmt.PredicateType
	ar.Subjects = stmt.Subject
	if ar.CoversArtifact != stmt.Covers("sha256", hex.EncodeToString(digest)) {
		ar.Error = "the statement's subjects and sigstore-go's artifact check disagree"
		return ar
	}
	for _, sub := range stmt.Subject {
		if ar.CoversArtifact && strings.EqualFold(sub.Digest["sha256"], hex.EncodeToString(digest)) {
			ar.Subject = sub.Name
			break
		}
	}
	ar.Signer = &Signer{}
	if result.Signature != nil {
		if result.Signature.PublicKeyID != nil {
			ar.Signer.KeyID = string(*result.Signature.PublicKeyID)
		}
		if c := result.Signature.Certificate; c != nil {
			ar.Signer.Certificate = certificateSummary(c)
			ar.cert = c
		}
	}
	for _, t := range result.VerifiedTimestamps {
		ar.Timestamps = append(ar.Timestamps, Timestamp{Type: t.Type, URI: t.URI, Time: t.Timestamp.UTC()})
	}
	ar.Verified = true
	return ar
}

// checkPredicate applies the checks of ours to a verified attestation about the artifact: the signer's runner
// and source commit, the SBOM against the binary, and provenance: its builder against its signer, then the policy.
func (p *Policy) checkPredicate(ctx context.Context, artifactPath string, ar *AttestationResult) {
	stmt := ar.statement
	if msg := p.checkSigner(ar.cert); msg != "" {
		ar.Error = msg
		return
	}
	isSBOM := SameType(PredicateCycloneDX, stmt.PredicateType) || SameType(PredicateSPDX, stmt.PredicateType) ||
		SameType(PredicateSPDX3, stmt.PredicateType)
	if p.CheckSBOM && isSBOM {
		if artifactPath == "" {
			ar.Error = "--check-sbom: the artifact itself is needed to check its SBOM, not its digest"
			return
		}
		check, err := CheckSBOM(ctx, artifactPath, stmt.PredicateType, stmt.Predicate, p.Auditable)
		switch {
		case errors.Is(err, auditable.ErrNotAuditable):
			ar.Error = "--check-sbom: the artifact carries no cargo-auditable data to check the SBOM against"
		case err != nil:
			ar.Error = "SBOM check: " + err.Error()
		case !check.OK():
			ar.SBOM = check
			ar.Error = sbomMismatch(check)
		default:
			ar.SBOM = check
		}
	}
	if stmt.PredicateType != PredicateSLSAProvenance1 {
		return
	}
	ar.ProvenanceStatement = stmt.raw
	// A predicate of the provenance type must be provenance, policy or not; and it may only name the builder that
	// signed it, policy or not.
	pr, err := ReadProvenance(stmt.Predicate)
	if err != nil {
		ar.Error = err.Error()
		return
	}
	ar.Provenance = pr
	bound, err := BuilderBinding(stmt.Predicate, ar.cert)
	if err != nil {
		ar.Error = err.Error()
		return
	}
	pr.BoundToSigner = bound
	if p.Provenance == nil {
		return
	}
	if p.Provenance.BuilderID != "" && !bound && ar.cert != nil {
		ar.Error = fmt.Sprintf("--builder-id: the signing certificate (%s) is not a CI workflow's and names no builder: the statement's builder %q is its own claim",
			ar.cert.SubjectAlternativeName, pr.BuilderID)
		return
	}
	checked, err := p.Provenance.Check(stmt.Predicate)
	if checked != nil {
		checked.BoundToSigner = bound
		ar.Provenance = checked
	}
	if err != nil {
		ar.Error = err.Error()
	}
}

// checkSigner applies the policy's requirements on the signing certificate: a runner of the CI service's own, the
// source commit it certifies. A key-signed bundle has no certificate to meet them: it fails them.
func (p *Policy) checkSigner(cert *certificate.Summary) string {
	if p.DenySelfHostedRunners {
		switch {
		case cert == nil:
			return "--deny-self-hosted-runners: signed with a key: no certificate says where the build ran"
		case cert.RunnerEnvironment != "github-hosted" && cert.RunnerEnvironment != "gitlab-hosted":
			env := cert.RunnerEnvironment
			if env == "" {
				env = "not a CI runner"
			}
			return fmt.Sprintf("--deny-self-hosted-runners: signed on a runner that is %s, not hosted by the CI service", env)
		}
	}
	if p.Provenance != nil && p.Provenance.SourceDigest != "" && cert != nil && cert.SourceRepositoryDigest != "" &&
		!strings.EqualFold(cert.SourceRepositoryDigest, p.Provenance.SourceDigest) {
		return fmt.Sprintf("--source-digest: the signing certificate certifies the commit %s, want %s", cert.SourceRepositoryDigest, p.Provenance.SourceDigest)
	}
	return ""
}

func sbomMismatch(c *SBOMCheck) string {
	var parts []string
	describe := func(what string, cs []Crate) {
		if len(cs) == 0 {
			return
		}
		var names []string
		for i, c := range cs {
			if i == 5 {
				names = append(names, fmt.Sprintf("and %d more", len(cs)-5))
				break
			}
			names = append(names, c.String())
		}
		parts = append(parts, fmt.Sprintf("%d %s: %s", len(cs), what, strings.Join(names, ", ")))
	}
	describe("crates of the binary missing from the SBOM", c.Missing)
	describe("crates in the SBOM that the binary does not embed", c.Extra)
	return ErrSBOMMismatch.Error() + ": " + strings.Join(parts, "; ")
}

// parseEvidence reads a Sigstore bundle, or a bare DSSE envelope (as some .intoto.jsonl files hold), which can
// only be checked against a key.
func (p *Policy) parseEvidence(data []byte) (*bundle.Bundle, error) {
	var probe struct {
		MediaType   string          `json:"mediaType"`
		PayloadType string          `json:"payloadType"`
		Payload     string          `json:"payload"`
		Signatures  json.RawMessage `json:"signatures"`
	}
	if err := json.Unmarshal(data, &probe); err != nil {
		return nil, fmt.Errorf("not a bundle: %v", err)
	}
	if probe.MediaType == "" && probe.PayloadType != "" {
		if p.Key == nil {
			return nil, errors.New("a bare DSSE envelope carries no certificate: it can only be verified with a key")
		}
		var sigs []struct {
			KeyID string `json:"keyid"`
			Sig   string `json:"sig"`
		}
		if err := json.Unmarshal(probe.Signatures, &sigs); err != nil {
			return nil, fmt.Errorf("DSSE signatures: %v", err)
		}
		payload, err := base64.StdEncoding.DecodeString(probe.Payload)
		if err != nil {
			return nil, fmt.Errorf("DSSE payload: %v", err)
		}
		env := &protodsse.Envelope{Payload: payload, PayloadType: probe.PayloadType}
		for _, s := range sigs {
			sig, err := base64.StdEncoding.DecodeString(s.Sig)
			if err != nil {
				return nil, fmt.Errorf("DSSE signature: %v", err)
			}
			env.Signatures = append(env.Signatures, &protodsse.Signature{Sig: sig, Keyid: s.KeyID})
		}
		hint, _ := KeyHint(p.Key)
		pb := &protobundle.Bundle{
			MediaType: "application/vnd.dev.sigstore.bundle.v0.3+json",
			VerificationMaterial: &protobundle.VerificationMaterial{
				Content: &protobundle.VerificationMaterial_PublicKey{PublicKey: &protocommon.PublicKeyIdentifier{Hint: hint}},
			},
			Content: &protobundle.Bundle_DsseEnvelope{DsseEnvelope: env},
		}
		return bundle.NewBundle(pb)
	}
	var b bundle.Bundle
	if err := b.UnmarshalJSON(data); err != nil {
		return nil, fmt.Errorf("not a valid Sigstore bundle: %v", err)
	}
	return &b, nil
}

func certificateSummary(c any) map[string]string {
	out := map[string]string{}
	b, err := json.Marshal(c)
	if err != nil {
		return out
	}
	var m map[string]any
	if json.Unmarshal(b, &m) != nil {
		return out
	}
	for k, v := range m {
		if s, ok := v.(string); ok && s != "" {
			out[k] = s
		}
	}
	return out
}

func baseName(p string) string {
	if i := strings.LastIndexAny(p, `/\`); i >= 0 {
		return p[i+1:]
	}
	return p
}

// DigestFile returns the digests of a file, streamed (sha256 and, on request, sha512).
func DigestFile(path string, algs ...string) (map[string]string, error) {
	f, _, err := inputfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var want []sbom.HashAlgorithm
	for _, a := range algs {
		switch a {
		case "sha256":
			want = append(want, sbom.SHA256)
		case "sha512":
			want = append(want, sbom.SHA512)
		default:
			return nil, fmt.Errorf("unsupported subject digest %q (sha256, sha512)", a)
		}
	}
	if len(want) == 0 {
		want = []sbom.HashAlgorithm{sbom.SHA256}
	}
	hs, err := binary.Digest(io.Reader(f), want)
	if err != nil {
		return nil, fmt.Errorf("hashing %s: %w", path, err)
	}
	out := map[string]string{}
	for _, h := range hs {
		out[strings.ToLower(strings.ReplaceAll(string(h.Algorithm), "-", ""))] = h.Value
	}
	return out, nil
}
