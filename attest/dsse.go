package attest

import (
	"crypto"
	"encoding/base64"
	"encoding/json"
	"fmt"

	"github.com/secure-systems-lab/go-securesystemslib/dsse"
	protobundle "github.com/sigstore/protobuf-specs/gen/pb-go/bundle/v1"
	"google.golang.org/protobuf/encoding/protojson"
)

// KeyID is a public key's identifier in a bare DSSE envelope, in the form go-securesystemslib gives it and GUAC
// looks a verifying key up by: "SHA256:" and the unpadded base64 SHA-256 of the key's SSH wire form (the
// fingerprint ssh-keygen -l prints).
func KeyID(pub crypto.PublicKey) (string, error) {
	id, err := dsse.SHA256KeyID(pub)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	return id, nil
}

// SignerKeyID is the KeyID of the long-lived key that signs with opts, or "" when signing is keyless (the
// ephemeral key's certificate is the identity; a bare envelope cannot carry it).
func SignerKeyID(opts SignOptions) (string, error) {
	kp, ok := opts.Keypair.(*Keypair)
	if !ok || opts.CertificateProvider != nil {
		return "", nil
	}
	return KeyID(kp.pub)
}

// envelope is a bare DSSE envelope, as the DSSE specification and go-securesystemslib write it.
type envelope struct {
	PayloadType string              `json:"payloadType"`
	Payload     string              `json:"payload"`
	Signatures  []envelopeSignature `json:"signatures"`
}

type envelopeSignature struct {
	KeyID string `json:"keyid"`
	Sig   string `json:"sig"`
}

// ExportDSSE takes the DSSE envelope out of a Sigstore bundle, as a bare envelope for consumers that read no
// bundles (GUAC): the signed payload and signatures as they are, without the certificate, transparency log entry
// and timestamps that a bundle adds. keyID, when not "", is written as each signature's keyid: an unsigned hint
// telling a verifier which key to use (KeyID of the signer's key). The bundle is the caller's own, made or
// verified in this run; nothing here verifies it.
func ExportDSSE(bundleJSON []byte, keyID string) ([]byte, error) {
	var b protobundle.Bundle
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(bundleJSON, &b); err != nil {
		return nil, fmt.Errorf("not a Sigstore bundle: %v", err)
	}
	env := b.GetDsseEnvelope()
	if env == nil {
		return nil, fmt.Errorf("the bundle holds no DSSE envelope")
	}
	if len(env.GetSignatures()) == 0 {
		return nil, fmt.Errorf("the bundle's DSSE envelope has no signature")
	}
	out := envelope{PayloadType: env.GetPayloadType(), Payload: base64.StdEncoding.EncodeToString(env.GetPayload())}
	for _, s := range env.GetSignatures() {
		id := keyID
		if id == "" {
			id = s.GetKeyid()
		}
		out.Signatures = append(out.Signatures, envelopeSignature{KeyID: id, Sig: base64.StdEncoding.EncodeToString(s.GetSig())})
	}
	data, err := json.Marshal(out)
	if err != nil {
		return nil, err
	}
	return append(data, '\n'), nil
}

// DSSEKind is a short name for what a statement of the predicate type holds, for the names of exported
// envelopes: cdx, spdx, spdx3, provenance, openvex, vulns, or attestation for any other type.
func DSSEKind(predicateType string) string {
	switch {
	case SameType(PredicateCycloneDX, predicateType):
		return "cdx"
	case SameType(PredicateSPDX3, predicateType):
		return "spdx3"
	case SameType(PredicateSPDX, predicateType):
		return "spdx"
	case SameType(PredicateSLSAProvenance1, predicateType):
		return "provenance"
	case predicateType == PredicateOpenVEX:
		return "openvex"
	case predicateType == PredicateVulns:
		return "vulns"
	}
	return "attestation"
}
