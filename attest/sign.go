package attest

import (
	"context"
	"crypto"
	"encoding/hex"
	"errors"
	"fmt"

	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/verify"
	"google.golang.org/protobuf/encoding/protojson"
)

// SignOptions say how to sign a statement. A Keypair is required; the rest is optional.
type SignOptions struct {
	// Keypair signs: a long-lived key (LoadPrivateKey), or an ephemeral key certified by CertificateProvider.
	Keypair sign.Keypair
	// CertificateProvider (Fulcio) certifies the ephemeral Keypair for keyless signing, with the identity token in
	// CertificateProviderOptions.
	CertificateProvider        sign.CertificateProvider
	CertificateProviderOptions *sign.CertificateProviderOptions
	// TimestampAuthorities add RFC 3161 signed timestamps.
	TimestampAuthorities []*sign.TimestampAuthority
	// TransparencyLogs add transparency log entries (Rekor v1 or v2).
	TransparencyLogs []sign.Transparency
	// TrustedMaterial, when set, verifies the new bundle before it is returned (sigstore-go's own check).
	TrustedMaterial root.TrustedMaterial
}

// ErrSign is wrapped by signing failures.
var ErrSign = errors.New("signing failed")

// Sign wraps the statement in a DSSE envelope (payload type application/vnd.in-toto+json), signs it, and returns
// the Sigstore bundle (v0.3) as JSON.
func Sign(ctx context.Context, stmt *Statement, opts SignOptions) ([]byte, error) {
	if opts.Keypair == nil {
		return nil, fmt.Errorf("%w: no key", ErrSign)
	}
	if err := stmt.Validate(); err != nil {
		return nil, err
	}
	payload, err := stmt.Bytes()
	if err != nil {
		return nil, err
	}
	b, err := sign.Bundle(&sign.DSSEData{Data: payload, PayloadType: PayloadType}, opts.Keypair, sign.BundleOptions{
		CertificateProvider:        opts.CertificateProvider,
		CertificateProviderOptions: opts.CertificateProviderOptions,
		TimestampAuthorities:       opts.TimestampAuthorities,
		TransparencyLogs:           opts.TransparencyLogs,
		TrustedRoot:                opts.TrustedMaterial,
		Context:                    ctx,
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSign, err)
	}
	out, err := marshalBundle(b)
	if err != nil {
		return nil, err
	}
	if opts.TrustedMaterial == nil {
		// sigstore-go verified nothing: check the signature and the subject with the signer's own key.
		kp, ok := opts.Keypair.(*Keypair)
		if !ok || opts.CertificateProvider != nil {
			return nil, fmt.Errorf("%w: keyless signing needs trusted material to verify the bundle with", ErrSign)
		}
		if err := verifySigned(out, kp.pub, stmt); err != nil {
			return nil, fmt.Errorf("%w: the new bundle does not verify: %v", ErrSign, err)
		}
	}
	return out, nil
}

// verifySigned checks a freshly signed bundle with the signer's public key, for the statement's first subject.
func verifySigned(bundleJSON []byte, pub crypto.PublicKey, stmt *Statement) error {
	p := Policy{Key: pub}
	v, err := p.verifier()
	if err != nil {
		return err
	}
	b, err := p.parseEvidence(bundleJSON)
	if err != nil {
		return err
	}
	digest, err := hex.DecodeString(stmt.Subject[0].Digest["sha256"])
	if err != nil || len(digest) == 0 {
		return fmt.Errorf("the first subject has no sha256 digest")
	}
	_, err = v.Verify(b, verify.NewPolicy(verify.WithArtifactDigest("sha256", digest), verify.WithKey()))
	return err
}

func marshalBundle(b *protobundle.Bundle) ([]byte, error) {
	return protojson.MarshalOptions{}.Marshal(b)
}
