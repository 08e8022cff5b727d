package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/limits"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/binary"
	"github.com/ferroseal/ferroseal/sbom/format"
)

// signFlags are the signing options attest, build and release share.
type signFlags struct {
	key          string
	passwordFile string
	timestampURL []string
}

func (s *signFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&s.key, "key", "", "private key file (PEM, cosign.key) or KMS URI (awskms://, gcpkms://, azurekms://, hashivault://)")
	fl.StringVar(&s.passwordFile, "password-file", "", "read the key's password from the first line of FILE")
	fl.StringSliceVar(&s.timestampURL, "timestamp-url", nil, "RFC 3161 timestamp authority to timestamp the signature (full URL, e.g. https://tsa.example/api/v1/timestamp)")
}

// signOptions turns the flags into signing options.
func (a *app) signOptions(cmd *cobra.Command, s *signFlags) (attest.SignOptions, error) {
	if s.key == "" {
		return attest.SignOptions{}, usageErrorf("give a signing key with --key")
	}
	var opts attest.SignOptions
	kp, err := attest.LoadPrivateKey(cmd.Context(), s.key, a.passwordFunc(s.passwordFile))
	if err != nil {
		return opts, err
	}
	opts.Keypair = kp
	for _, u := range s.timestampURL {
		opts.TimestampAuthorities = append(opts.TimestampAuthorities, sign.NewTimestampAuthority(&sign.TimestampAuthorityOptions{URL: u, Retries: 1}))
	}
	return opts, nil
}

type attestFlags struct {
	sign       signFlags
	typ        string
	predicate  string
	output     string
	jsonl      bool
	digests    []string
	sbomFormat string
}

func (a *app) attestCommand() *cobra.Command {
	var f attestFlags
	cmd := &cobra.Command{
		Use:   "attest ARTIFACT...",
		Short: "Sign an in-toto attestation about artifacts",
		Long: `Sign an in-toto Statement about artifacts as a Sigstore bundle: a DSSE envelope (payload type
application/vnd.in-toto+json) signed with --key, verified before it is written.

--type is cyclonedx, spdx, slsaprovenance1 or a predicate type URI. With --predicate FILE, one statement names
every artifact as a subject; without it, an SBOM of each binary (read from its cargo-auditable data) is the
predicate of its own statement. The bundle goes to ARTIFACT.sigstore.json, or with --jsonl is appended as one
line to ARTIFACT.intoto.jsonl; -o chooses the file.

` + passwordHelp,
		Example: `  ferroseal attest target/release/app --key ferroseal.key --type cyclonedx
  ferroseal attest app --key ferroseal.key --type spdx --jsonl
  ferroseal attest app app.exe --key ferroseal.key --type slsaprovenance1 --predicate provenance.json -o multiple.intoto.jsonl --jsonl
  ferroseal attest app --key awskms:///alias/release --type cyclonedx --predicate app.cdx.json`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return a.runAttest(cmd, &f, args) },
	}
	f.sign.register(cmd)
	fl := cmd.Flags()
	fl.StringVar(&f.typ, "type", "", "predicate type: cyclonedx, spdx, slsaprovenance1 or a URI (required)")
	fl.StringVar(&f.predicate, "predicate", "", "predicate file (JSON); without it, the SBOM of each binary")
	fl.StringVarP(&f.output, "output", "o", "", "bundle file (default ARTIFACT.sigstore.json, or ARTIFACT.intoto.jsonl with --jsonl)")
	fl.BoolVar(&f.jsonl, "jsonl", false, "append the bundle as one line to an .intoto.jsonl file")
	fl.StringSliceVar(&f.digests, "digest", []string{"sha256"}, "subject digests: sha256, sha512")
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
		return usageErrorf("-o names one file, but each of the %d artifacts gets its own SBOM attestation: drop -o", len(args))
	}
	if f.predicate != "" && len(args) > 1 && f.output == "" {
		return usageErrorf("one statement about %d artifacts: name its file with -o", len(args))
	}
	digests := f.digests
	if !containsString(digests, "sha256") {
		digests = append([]string{"sha256"}, digests...)
	}
	opts, err := a.signOptions(cmd, &f.sign)
	if err != nil {
		return err
	}

	type job struct {
		stmt *attest.Statement
		out  string
	}
	var jobs []job
	if f.predicate != "" {
		pred, err := readFileBounded(f.predicate, limits.MaxPredicateSize)
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
		stmt, err := attest.NewStatement(subjects, ptype, pred)
		if err != nil {
			return fmt.Errorf("%s: %w", f.predicate, err)
		}
		jobs = append(jobs, job{stmt: stmt, out: bundlePath(f.output, args[0], f.jsonl)})
	} else {
		fm, err := sbomFormatFor(ptype, f.sbomFormat)
		if err != nil {
			return err
		}
		created, reproducible, err := a.created()
		if err != nil {
			return err
		}
		for _, art := range args {
			stmt, err := a.sbomStatement(art, ptype, fm, digests, created, reproducible)
			if err != nil {
				return err
			}
			jobs = append(jobs, job{stmt: stmt, out: bundlePath(f.output, art, f.jsonl)})
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
		fmt.Fprintf(a.stderr, "wrote %s (%s, %d subject(s))\n", j.out, j.stmt.PredicateType, len(j.stmt.Subject))
	}
	return nil
}

// sbomStatement makes the SBOM of a binary, from its cargo-auditable data, and the statement about it.
func (a *app) sbomStatement(path, ptype string, fm format.Format, digests []string, created time.Time, reproducible bool) (*attest.Statement, error) {
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
	var buf bytes.Buffer
	if err := format.Encode(&buf, res.Doc, fm, a.tool(reproducible)); err != nil {
		return nil, err
	}
	subject := attest.Subject{Name: filepath.Base(path), Digest: map[string]string{}}
	for _, h := range res.Artifact.Hashes {
		subject.Digest[strings.ToLower(strings.ReplaceAll(string(h.Algorithm), "-", ""))] = h.Value
	}
	return attest.NewStatement([]attest.Subject{subject}, ptype, buf.Bytes())
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

// sbomFormatFor picks the SBOM format of an attestation made on the fly.
func sbomFormatFor(ptype, explicit string) (format.Format, error) {
	name := explicit
	switch {
	case name == "" && attest.SameType(attest.PredicateCycloneDX, ptype):
		name = "cyclonedx-json"
	case name == "" && attest.SameType(attest.PredicateSPDX, ptype):
		name = "spdx-json"
	case name == "":
		return format.Format{}, usageErrorf("--type %s needs --predicate FILE: only SBOMs are made on the fly", ptype)
	}
	f, err := format.Parse(name)
	if err != nil {
		return f, withCode(exitUsage, err)
	}
	if (f.Name == "cyclonedx-json") != attest.SameType(attest.PredicateCycloneDX, ptype) || (f.Name != "cyclonedx-json" && f.Name != "spdx-json") {
		return f, usageErrorf("--sbom-format %s does not fit --type %s", name, ptype)
	}
	return f, nil
}

func readFileBounded(path string, max int64) ([]byte, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if st.Size() > max {
		return nil, fmt.Errorf("%s: larger than %d bytes", path, max)
	}
	return os.ReadFile(path)
}
