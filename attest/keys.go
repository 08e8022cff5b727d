package attest

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	protocommon "github.com/sigstore/protobuf-specs/gen/pb-go/common/v1"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/kms"
	"github.com/sigstore/sigstore/pkg/signature/options"

	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/limits"
)

// KeyAlgorithm names a key type keygen makes.
type KeyAlgorithm string

// Key algorithms.
const (
	ECDSAP256 KeyAlgorithm = "ecdsa-p256"
	ECDSAP384 KeyAlgorithm = "ecdsa-p384"
	Ed25519   KeyAlgorithm = "ed25519"
	RSA3072   KeyAlgorithm = "rsa-3072"
	RSA4096   KeyAlgorithm = "rsa-4096"
)

// KeyAlgorithms lists the algorithms GenerateKey accepts, the default first.
var KeyAlgorithms = []KeyAlgorithm{ECDSAP256, ECDSAP384, Ed25519, RSA3072, RSA4096}

// Key errors.
var (
	// ErrNoPassword: an encrypted key and no password.
	ErrNoPassword = errors.New("the key is encrypted and no password was given")
	// ErrBadKey: a file that holds no usable key.
	ErrBadKey = errors.New("not a usable key")
	// ErrWrongPassword: the key is encrypted and the password given does not open it.
	ErrWrongPassword = errors.New("wrong password")
)

// PasswordFunc returns the password of an encrypted key; confirm is true when a new key is being encrypted.
type PasswordFunc func(confirm bool) ([]byte, error)

// GenerateKey makes a key pair: the private key PEM-encoded and encrypted with the password in the format cosign
// reads and writes (ENCRYPTED SIGSTORE PRIVATE KEY: scrypt and NaCl secretbox), the public key PEM-encoded PKIX.
func GenerateKey(alg KeyAlgorithm, password []byte) (privPEM, pubPEM []byte, err error) {
	var priv crypto.Signer
	switch alg {
	case ECDSAP256, "":
		priv, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		priv, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case Ed25519:
		_, priv, err = ed25519.GenerateKey(rand.Reader)
	case RSA3072:
		priv, err = rsa.GenerateKey(rand.Reader, 3072)
	case RSA4096:
		priv, err = rsa.GenerateKey(rand.Reader, 4096)
	default:
		return nil, nil, fmt.Errorf("unknown key algorithm %q", alg)
	}
	if err != nil {
		return nil, nil, err
	}
	if password == nil {
		return nil, nil, ErrNoPassword
	}
	der, err := cryptoutils.MarshalPrivateKeyToEncryptedDER(priv, func(bool) ([]byte, error) { return password, nil })
	if err != nil {
		return nil, nil, err
	}
	pubPEM, err = cryptoutils.MarshalPublicKeyToPEM(priv.Public())
	if err != nil {
		return nil, nil, err
	}
	return cryptoutils.PEMEncode(cryptoutils.EncryptedSigstorePrivateKeyPEMType, der), pubPEM, nil
}

// Keypair signs with a long-lived key, a file's or a KMS's, for sigstore-go's signer.
type Keypair struct {
	sv      signature.SignerVerifier
	pub     crypto.PublicKey
	details signature.AlgorithmDetails
	hint    []byte
}

var _ sign.Keypair = (*Keypair)(nil)

// IsKMS reports whether a key reference names a KMS key (SCHEME://KEY: awskms://, gcpkms://, azurekms://,
// hashivault://, or any other plugin's) rather than a file.
func IsKMS(ref string) bool {
	scheme, rest, ok := strings.Cut(ref, "://")
	return ok && scheme != "" && rest != "" && !strings.ContainsAny(scheme, `/\.`)
}

// LoadPrivateKey loads a signing key: a PEM file (PKCS#8, SEC 1 or PKCS#1; encrypted PKCS#8, legacy encrypted PEM,
// or cosign's encrypted format, with the password from pf), or a KMS key through sigstore/sigstore's KMS layer:
// a provider linked into the program, else the KMS plugin sigstore-kms-SCHEME found on PATH (sigstore's plugin
// protocol, which cosign uses too; this repository's cmd/sigstore-kms-* are plugins for AWS, GCP, Azure and Vault).
func LoadPrivateKey(ctx context.Context, ref string, pf PasswordFunc) (*Keypair, error) {
	if IsKMS(ref) {
		sv, err := kms.Get(ctx, ref, crypto.SHA256)
		var notFound *kms.ProviderNotFoundError
		if errors.As(err, &notFound) {
			scheme, _, _ := strings.Cut(ref, "://")
			return nil, fmt.Errorf("KMS key %s: no provider for %s:// keys: install the plugin sigstore-kms-%s on PATH "+
				"(go install github.com/ferroseal/ferroseal/cmd/sigstore-kms-%s@latest for awskms, gcpkms, azurekms and hashivault)",
				ref, scheme, scheme, scheme)
		}
		if err != nil {
			return nil, fmt.Errorf("KMS key %s: %w", ref, err)
		}
		pub, err := sv.PublicKey(options.WithContext(ctx))
		if err != nil {
			return nil, fmt.Errorf("KMS key %s: public key: %w", ref, err)
		}
		return newKeypair(sv, pub)
	}
	data, err := readBounded(ref, limits.MaxKeySize)
	if err != nil {
		return nil, err
	}
	var pass cryptoutils.PassFunc
	if pf != nil {
		pass = func(confirm bool) ([]byte, error) { return pf(confirm) }
	}
	encrypted := bytes.Contains(data, []byte("ENCRYPTED")) || bytes.Contains(data, []byte("Proc-Type: 4,ENCRYPTED"))
	if encrypted && pf == nil {
		return nil, fmt.Errorf("%s: %w", ref, ErrNoPassword)
	}
	priv, err := cryptoutils.UnmarshalPEMToPrivateKey(data, pass)
	if err != nil {
		if encrypted && strings.Contains(err.Error(), "decrypt") {
			return nil, fmt.Errorf("%s: %w: the key does not open with this password", ref, ErrWrongPassword)
		}
		return nil, fmt.Errorf("%s: %w: %v", ref, ErrBadKey, err)
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%s: %w: %T cannot sign", ref, ErrBadKey, priv)
	}
	details, err := signature.GetDefaultAlgorithmDetails(signer.Public())
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", ref, ErrBadKey, err)
	}
	sv, err := signature.LoadSignerVerifierFromAlgorithmDetails(priv, details)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", ref, ErrBadKey, err)
	}
	return newKeypair(sv, signer.Public())
}

func newKeypair(sv signature.SignerVerifier, pub crypto.PublicKey) (*Keypair, error) {
	details, err := signature.GetDefaultAlgorithmDetails(pub)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	hint, err := KeyHint(pub)
	if err != nil {
		return nil, err
	}
	return &Keypair{sv: sv, pub: pub, details: details, hint: []byte(hint)}, nil
}

// KeyHint is the conventional identifier of a public key in a bundle: base64 of the SHA-256 of its PKIX DER.
func KeyHint(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("%w: %v", ErrBadKey, err)
	}
	sum := sha256.Sum256(der)
	return base64.StdEncoding.EncodeToString(sum[:]), nil
}

// GetHashAlgorithm implements sign.Keypair.
func (k *Keypair) GetHashAlgorithm() protocommon.HashAlgorithm { return k.details.GetProtoHashType() }

// GetSigningAlgorithm implements sign.Keypair.
func (k *Keypair) GetSigningAlgorithm() protocommon.PublicKeyDetails {
	return k.details.GetSignatureAlgorithm()
}

// GetHint implements sign.Keypair.
func (k *Keypair) GetHint() []byte { return k.hint }

// GetKeyAlgorithm implements sign.Keypair.
func (k *Keypair) GetKeyAlgorithm() string {
	switch k.details.GetKeyType() {
	case signature.ECDSA:
		return "ECDSA"
	case signature.RSA:
		return "RSA"
	case signature.ED25519:
		return "ED25519"
	}
	return ""
}

// GetPublicKey implements sign.Keypair.
func (k *Keypair) GetPublicKey() crypto.PublicKey { return k.pub }

// GetPublicKeyPem implements sign.Keypair.
func (k *Keypair) GetPublicKeyPem() (string, error) {
	b, err := cryptoutils.MarshalPublicKeyToPEM(k.pub)
	return string(b), err
}

// SignData implements sign.Keypair: it returns the signature and the digest signed (the data itself for pure
// Ed25519, which hashes while signing).
func (k *Keypair) SignData(ctx context.Context, data []byte) ([]byte, []byte, error) {
	digest := data
	if hf := k.details.GetHashType(); hf != crypto.Hash(0) {
		h := hf.New()
		h.Write(data)
		digest = h.Sum(nil)
	}
	sig, err := k.sv.SignMessage(bytes.NewReader(data), options.WithContext(ctx))
	if err != nil {
		return nil, nil, err
	}
	return sig, digest, nil
}

// LoadPublicKey reads a PEM public key (PKIX, or PKCS#1 for RSA), or the public key of a certificate.
func LoadPublicKey(path string) (crypto.PublicKey, error) {
	data, err := readBounded(path, limits.MaxKeySize)
	if err != nil {
		return nil, err
	}
	pub, err := cryptoutils.UnmarshalPEMToPublicKey(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w: %v", path, ErrBadKey, err)
	}
	return pub, nil
}

// readBounded reads a whole file of at most max bytes; one byte more is an error.
func readBounded(path string, max int64) ([]byte, error) {
	// Keys, tokens and trusted roots may come through a pipe (process substitution); the read is bounded either way.
	return inputfile.ReadSecret(path, max)
}
