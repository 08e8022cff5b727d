package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/atomicfile"
	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/limits"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/binary"
	"github.com/ferroseal/ferroseal/sbom/format"
)

// signFlags are the signing options attest, build and release share.
type signFlags struct {
	key               string
	passwordFile      string
	timestampURL      []string
	identityToken     string
	identityTokenFile string
	fulcioURL         string
	rekorURL          []string
	rekorVersion      uint32
	signingConfig     string
	trustedRoot       string
}

func (s *signFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&s.key, "key", "", "private key file (PEM, cosign.key) or KMS URI (awskms://, gcpkms://, azurekms://, hashivault://); without it, signing is keyless")
	fl.StringVar(&s.passwordFile, "password-file", "", "read the key's password from the first line of FILE")
	fl.StringArrayVar(&s.timestampURL, "timestamp-url", nil, "RFC 3161 timestamp authority (full URL, e.g. https://timestamp.sigstore.dev/api/v1/timestamp)")
	fl.StringVar(&s.identityToken, "identity-token", "", "keyless: the OIDC identity token Fulcio certifies")
	fl.StringVar(&s.identityTokenFile, "identity-token-file", "", "keyless: read the identity token from FILE")
	fl.StringVar(&s.fulcioURL, "fulcio-url", "", "keyless: Fulcio certificate authority (default "+attest.PublicFulcioURL+")")
	fl.StringArrayVar(&s.rekorURL, "rekor-url", nil, "keyless: Rekor transparency log (default "+attest.PublicRekorURL+")")
	fl.Uint32Var(&s.rekorVersion, "rekor-version", 1, "keyless: the Rekor log's API version, 1 or 2 (v2 records no time: give --timestamp-url)")
	fl.StringVar(&s.signingConfig, "signing-config", "", "keyless: signing_config.json naming the services to use")
	fl.StringVar(&s.trustedRoot, "trusted-root", "", "trusted_root.json to verify the new bundle with (default for keyless: public-good Sigstore's, through TUF)")
}

const keylessHelp = `Keyless signing (no --key) gets a short-lived certificate from Fulcio for an OIDC identity token: --identity-token,
--identity-token-file, or the CI's own (GitHub Actions with the id-token: write permission; GitLab with
id_tokens: SIGSTORE_ID_TOKEN, aud: sigstore), records the signature in Rekor and/or gets an RFC 3161 timestamp.
Without --fulcio-url, --rekor-url or --signing-config (FERROSEAL_SIGNING_CONFIG; FERROSEAL_TRUSTED_ROOT for
--trusted-root), public-good Sigstore is used. A timestamp source is
required: a Rekor v1 log's integrated time or a timestamp authority (a Rekor v2 log records no time). Every
bundle is verified against the trusted root before it is written.`

// signOptions turns the flags into signing options: a key, or keyless.
func (a *app) signOptions(cmd *cobra.Command, s *signFlags) (attest.SignOptions, error) {
	fl := cmd.Flags()
	keylessFlags := []string{"identity-token", "identity-token-file", "fulcio-url", "rekor-url", "rekor-version", "signing-config"}
	if s.key != "" {
		for _, name := range keylessFlags {
			if fl.Changed(name) {
				return attest.SignOptions{}, usageErrorf("--key and --%s are contradictory: sign with a key or keyless", name)
			}
		}
		kp, err := attest.LoadPrivateKey(cmd.Context(), s.key, a.passwordFunc(s.passwordFile))
		if err != nil {
			return attest.SignOptions{}, err
		}
		opts := attest.SignOptions{Keypair: kp}
		for _, u := range s.timestampURL {
			opts.TimestampAuthorities = append(opts.TimestampAuthorities, sign.NewTimestampAuthority(&sign.TimestampAuthorityOptions{URL: u, Retries: 1}))
		}
		if s.trustedRoot != "" {
			tr, err := attest.LoadTrustedRoot(s.trustedRoot)
			if err != nil {
				return attest.SignOptions{}, err
			}
			opts.TrustedMaterial = root.TrustedMaterialCollection{keyMaterial(kp), tr}
		}
		return opts, nil
	}

	token, err := a.identityToken(cmd, s)
	if err != nil {
		return attest.SignOptions{}, err
	}
	// A private Sigstore named once for a whole pipeline, when no flag names one.
	if s.signingConfig == "" && s.fulcioURL == "" && len(s.rekorURL) == 0 && len(s.timestampURL) == 0 {
		s.signingConfig = a.getenv("FERROSEAL_SIGNING_CONFIG")
	}
	if s.trustedRoot == "" {
		s.trustedRoot = a.getenv("FERROSEAL_TRUSTED_ROOT")
	}
	if token == "" {
		return attest.SignOptions{}, usageErrorf("no signing key and no identity token: give --key FILE, or an identity token for keyless signing " +
			"(--identity-token-file FILE; in CI, GitHub Actions' id-token: write permission or GitLab's SIGSTORE_ID_TOKEN)")
	}
	if s.signingConfig != "" && (fl.Changed("fulcio-url") || fl.Changed("rekor-url") || fl.Changed("timestamp-url")) {
		return attest.SignOptions{}, usageErrorf("--signing-config names the services: it cannot be combined with --fulcio-url, --rekor-url or --timestamp-url")
	}
	ko := attest.KeylessOptions{IDToken: token, FulcioURL: s.fulcioURL, RekorURLs: s.rekorURL, RekorVersion: s.rekorVersion, TSAURLs: s.timestampURL}
	custom := s.signingConfig != "" || s.fulcioURL != "" || len(s.rekorURL) > 0
	if s.signingConfig != "" {
		if ko.SigningConfig, err = attest.LoadSigningConfig(s.signingConfig); err != nil {
			return attest.SignOptions{}, err
		}
	}
	if !custom {
		// Public-good Sigstore: a Rekor v1 entry (integrated time) and a signed timestamp, so that either policy
		// (default, or --use-signed-timestamps) verifies the bundle.
		ko.FulcioURL, ko.RekorURLs, ko.RekorVersion = attest.PublicFulcioURL, []string{attest.PublicRekorURL}, 1
		if len(ko.TSAURLs) == 0 {
			ko.TSAURLs = []string{attest.PublicTSAURL}
		}
	}
	switch {
	case s.trustedRoot != "":
		if ko.TrustedMaterial, err = attest.LoadTrustedRoot(s.trustedRoot); err != nil {
			return attest.SignOptions{}, err
		}
	case custom:
		return attest.SignOptions{}, usageErrorf("a private Sigstore needs its trusted root: --trusted-root FILE")
	default:
		tr, err := root.FetchTrustedRoot()
		if err != nil {
			return attest.SignOptions{}, fmt.Errorf("fetching public-good Sigstore's trusted root: %w", err)
		}
		ko.TrustedMaterial = tr
	}
	opts, err := attest.KeylessSignOptions(ko)
	if errors.Is(err, attest.ErrKeyless) {
		return opts, withCode(exitUsage, err)
	}
	return opts, err
}

// identityToken finds the OIDC token for keyless signing: the flags, then the CI's ambient token.
func (a *app) identityToken(cmd *cobra.Command, s *signFlags) (string, error) {
	switch {
	case s.identityToken != "" && s.identityTokenFile != "":
		return "", usageErrorf("--identity-token and --identity-token-file are contradictory")
	case s.identityToken != "":
		a.warnf("--identity-token puts the token on the command line, where other processes and logs can read it: prefer --identity-token-file FILE or SIGSTORE_ID_TOKEN")
		return strings.TrimSpace(s.identityToken), nil
	case s.identityTokenFile != "":
		return attest.ReadToken(s.identityTokenFile)
	}
	token, source, err := attest.AmbientToken(cmd.Context(), a.lookupEnv, nil)
	if err != nil {
		return "", err
	}
	if token != "" {
		a.infof("keyless signing with the identity token of %s", source)
	}
	return token, nil
}

// keyMaterial trusts a signing key's own public key, to verify a key-signed bundle with a trusted root's TSAs.
func keyMaterial(kp *attest.Keypair) root.TrustedMaterial {
	v, err := signature.LoadDefaultVerifier(kp.GetPublicKey())
	if err != nil {
		return &root.BaseTrustedMaterial{}
	}
	return root.NewTrustedPublicKeyMaterial(func(string) (root.TimeConstrainedVerifier, error) {
		return root.NewExpiringKey(v, time.Time{}, time.Time{}), nil
	})
}

type attestFlags struct {
	sign       signFlags
	typ        string
	predicate  string
	output     string
	jsonl      bool
	digests    []string
	sbomFormat string
	dsse       bool
	push       bool
	platform   string
}

func (a *app) attestCommand() *cobra.Command {
	var f attestFlags
	cmd := &cobra.Command{
		Use:   "attest ARTIFACT...",
		Short: "Sign an in-toto attestation about artifacts",
		Long: `Sign an in-toto Statement about artifacts as a Sigstore bundle: a DSSE envelope (payload type
application/vnd.in-toto+json) signed with --key, verified before it is written.

--type is cyclonedx, spdx, spdx3, slsaprovenance1, openvex (an OpenVEX document: ferroseal audit -o openvex), vuln
(the in-toto vulnerability scan predicate: ferroseal audit -o vulns) or a predicate type URI. With --predicate FILE, one statement names
every artifact as a subject; a FILE that is itself an in-toto statement (what ferroseal provenance and ferroseal
build write) is signed as it is, when its subjects are exactly the artifacts given. Without --predicate, an SBOM of
each binary (read from its cargo-auditable data) is the predicate of its own statement. The bundle goes to
ARTIFACT.sigstore.json, or with --jsonl is appended as one line to ARTIFACT.intoto.jsonl; --bundle chooses the
file. --dsse also writes the signed statement as a bare DSSE envelope, ARTIFACT.KIND.dsse.json (KIND: cdx, spdx,
spdx3, provenance or attestation; named after --bundle's file when given), for consumers that read no Sigstore
bundles (GUAC); a key's signature carries its keyid (SHA256:..., as ferroseal keygen prints it).

` + keylessHelp + `

` + passwordHelp,
		Example: `  ferroseal attest target/release/app --key ferroseal.key --type cyclonedx
  ferroseal attest app --key ferroseal.key --type spdx --jsonl
  ferroseal attest app app.exe --key ferroseal.key --type slsaprovenance1 --predicate provenance.json --bundle multiple.intoto.jsonl --jsonl
  ferroseal attest app --key awskms:///alias/release --type cyclonedx --predicate app.cdx.json
  ferroseal attest app --type cyclonedx                  # keyless, in GitHub Actions or GitLab CI
  ferroseal attest registry:ghcr.io/org/app:1.2.0 --type slsaprovenance1 --predicate prov.json --push --key ferroseal.key
  ferroseal attest app --type cyclonedx --identity-token-file tok.jwt --signing-config sc.json --trusted-root tr.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runAttest(cmd, &f, args) },
	}
	f.sign.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.typ, "type", "", "predicate type: cyclonedx, spdx, slsaprovenance1 or a URI (required)")
	fl.StringVar(&f.predicate, "predicate", "", "predicate file (JSON); without it, the SBOM of each binary")
	fl.StringVar(&f.output, "bundle", "", "bundle file to write (default ARTIFACT.sigstore.json, or ARTIFACT.intoto.jsonl with --jsonl)")
	deprecatedAlias(fl, "output", "o", &f.output, "bundle")
	fl.BoolVar(&f.jsonl, "jsonl", false, "append the bundle as one line to an .intoto.jsonl file")
	fl.StringSliceVar(&f.digests, "hash", []string{"sha256"}, "digests of each artifact in the statement: sha256, sha512")
	fl.StringSliceVar(&f.digests, "digest", []string{"sha256"}, "")
	fl.MarkDeprecated("digest", "use --hash, as sbom and release name it")
	fl.BoolVar(&f.push, "push", false, "for an image (registry:HOST/REPO:TAG): attach the bundle to it as an OCI referrer, as cosign v3 does")
	fl.StringVar(&f.platform, "platform", "", "for an image index without --predicate: the platform whose SBOM to attest (OS/ARCH)")
	fl.BoolVar(&f.dsse, "dsse", false, "also write the signed statement as a bare DSSE envelope, ARTIFACT.KIND.dsse.json (for GUAC)")
	fl.StringVar(&f.sbomFormat, "sbom-format", "", "SBOM made on the fly: cyclonedx-json (for --type cyclonedx) or spdx-json (for --type spdx)")
	return cmd
}

func (a *app) runAttest(cmd *cobra.Command, f *attestFlags, args []string) error {
	if f.typ == "" {
		return usageErrorf("give the predicate type with --type (cyclonedx, spdx, slsaprovenance1 or a URI)")
	}
	ptype, err := attest.PredicateType(f.typ)
	if err != nil {
		return withCode(exitUsage, err)
	}
	if f.predicate == "" && len(args) > 1 && f.output != "" {
		return usageErrorf("--bundle names one file, but each of the %d artifacts gets its own SBOM attestation: drop --bundle", len(args))
	}
	if f.predicate != "" && len(args) > 1 && f.output == "" {
		return usageErrorf("one statement about %d artifacts: name its file with --bundle", len(args))
	}
	digests := f.digests
	if !containsString(digests, "sha256") {
		digests = append([]string{"sha256"}, digests...)
	}
	if !f.push && f.platform != "" {
		return usageErrorf("--platform chooses the image to attest with --push")
	}
	if ref, ok := imageRef(args[0]); ok || f.push {
		if !ok || len(args) != 1 {
			return usageErrorf("--push attaches to one image: give registry:HOST/REPO:TAG (or @sha256:...)")
		}
		if f.jsonl || f.dsse {
			return usageErrorf("--jsonl and --dsse write files next to an artifact: an image's attestation is attached with --push")
		}
		opts, err := a.signOptions(cmd, &f.sign)
		if err != nil {
			return err
		}
		return a.attestImage(cmd, f, ref, ptype, opts)
	}
	opts, err := a.signOptions(cmd, &f.sign)
	if err != nil {
		return err
	}

	type job struct {
		stmt *attest.Statement
		out  string
		base string // the exported envelope's name without .KIND.dsse.json
	}
	var jobs []job
	if f.predicate != "" {
		pred, err := inputfile.ReadAll(f.predicate, limits.MaxPredicateSize)
		if err != nil {
			return err
		}
		var subjects []attest.Subject
		for _, art := range args {
			d, err := attest.DigestFile(art, digests...)
			if err != nil {
				return err
			}
			subjects = append(subjects, attest.Subject{Name: filepath.Base(art), Digest: d})
		}
		stmt, err := attest.StatementFor(pred, ptype, subjects) // a statement file is signed as it is
		if err != nil {
			return fmt.Errorf("%s: %w", f.predicate, err)
		}
		base := args[0]
		if f.output != "" {
			base = strings.TrimSuffix(strings.TrimSuffix(strings.TrimSuffix(f.output, ".jsonl"), ".json"), ".sigstore")
			base = strings.TrimSuffix(base, ".intoto")
		}
		jobs = append(jobs, job{stmt: stmt, out: bundlePath(f.output, args[0], f.jsonl), base: base})
	} else {
		fm, err := attest.SBOMFormatFor(ptype, f.sbomFormat)
		if err != nil {
			return withCode(exitUsage, fmt.Errorf("--type %s: %w (--predicate FILE, or --sbom-format)", f.typ, err))
		}
		created, reproducible, err := a.created()
		if err != nil {
			return err
		}
		for _, art := range args {
			stmt, err := a.sbomStatement(art, fm, digests, created, reproducible)
			if err != nil {
				return err
			}
			jobs = append(jobs, job{stmt: stmt, out: bundlePath(f.output, art, f.jsonl), base: art})
		}
	}
	for _, j := range jobs {
		b, err := attest.Sign(cmd.Context(), j.stmt, opts) // verified before it is returned
		if err != nil {
			return err
		}
		if f.jsonl {
			err = attest.AppendJSONL(j.out, b)
		} else {
			err = attest.WriteBundle(j.out, b)
		}
		if err != nil {
			return err
		}
		a.notef("wrote %s (%s, %d subject(s))", j.out, j.stmt.PredicateType, len(j.stmt.Subject))
		if f.dsse {
			if err := a.writeDSSE(b, j.base+"."+attest.DSSEKind(j.stmt.PredicateType)+".dsse.json", opts); err != nil {
				return err
			}
		}
	}
	return nil
}

// sbomStatement makes the SBOM of a binary, from its cargo-auditable data, and the statement about it.
func (a *app) sbomStatement(path string, fm format.Format, digests []string, created time.Time, reproducible bool) (*attest.Statement, error) {
	var algs []sbom.HashAlgorithm
	for _, d := range digests {
		alg, err := binary.ParseHashAlgorithm(d)
		if err != nil {
			return nil, withCode(exitUsage, err)
		}
		algs = append(algs, alg)
	}
	res, err := binary.ReadFile(path, binary.Options{Hashes: algs, Created: created})
	if errors.Is(err, auditable.ErrNotAuditable) {
		return nil, withCode(exitNotAuditable, fmt.Errorf("%w: %s; or attest an SBOM made otherwise with --predicate FILE", err, inspectNotAuditableHint))
	}
	if err != nil {
		return nil, err
	}
	stmt, _, err := attest.SBOMStatement(res.Doc, filepath.Base(path), fm, a.tool(reproducible))
	return stmt, err
}

func containsString(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// bundlePath is where an attestation about artifact goes.
// writeDSSE writes a signed bundle's envelope as a bare DSSE envelope, with the signing key's keyid.
func (a *app) writeDSSE(bundle []byte, path string, opts attest.SignOptions) error {
	id, err := attest.SignerKeyID(opts)
	if err != nil {
		return err
	}
	env, err := attest.ExportDSSE(bundle, id)
	if err != nil {
		return err
	}
	if err := atomicfile.WriteBytes(path, 0o644, env); err != nil {
		return err
	}
	a.warnDSSEKey(opts)
	if id != "" {
		a.notef("wrote %s (a bare DSSE envelope, keyid %s)", path, id)
	} else {
		a.notef("wrote %s (a bare DSSE envelope, signed keylessly: the certificate is in the bundle only)", path)
	}
	return nil
}

// warnDSSEKey says when GUAC, the consumer of bare envelopes, will refuse the signing key's signatures: it
// verifies with SHA-256 only, and ECDSA P-384 and P-521 keys sign SHA-384 and SHA-512 digests.
func (a *app) warnDSSEKey(opts attest.SignOptions) {
	kp, ok := opts.Keypair.(*attest.Keypair)
	if !ok || opts.CertificateProvider != nil {
		return
	}
	if k, ok := kp.GetPublicKey().(*ecdsa.PublicKey); ok && k.Curve != elliptic.P256() {
		a.warnf("GUAC v1.1 verifies DSSE signatures with SHA-256 digests only and refuses those of this ECDSA %s key: sign with an ECDSA P-256, Ed25519 or RSA key for GUAC", k.Curve.Params().Name)
	}
}

func bundlePath(explicit, artifact string, jsonl bool) string {
	switch {
	case explicit != "":
		return explicit
	case jsonl:
		return artifact + ".intoto.jsonl"
	default:
		return artifact + ".sigstore.json"
	}
}
