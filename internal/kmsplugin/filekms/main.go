// Command filekms is a sigstore KMS plugin whose "KMS" is an unencrypted PEM private key file: filekms://PATH. It
// exists to test ferroseal's KMS path through sigstore's real plugin protocol, offline; it is not for releases.
package main

import (
	"context"
	"crypto"
	"errors"
	"fmt"
	"os"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/sigstore/sigstore/pkg/signature"
	"github.com/sigstore/sigstore/pkg/signature/kms"

	"github.com/ferroseal/ferroseal/internal/kmsplugin"
)

type fileKey struct {
	signature.SignerVerifier
	signer crypto.Signer
	hf     crypto.Hash
}

func (f *fileKey) CreateKey(context.Context, string) (crypto.PublicKey, error) {
	return nil, errors.New("filekms cannot create keys")
}

func (f *fileKey) CryptoSigner(context.Context, func(error)) (crypto.Signer, crypto.SignerOpts, error) {
	return f.signer, f.hf, nil
}

func (f *fileKey) SupportedAlgorithms() []string { return []string{"ecdsa-p256-sha256"} }
func (f *fileKey) DefaultAlgorithm() string      { return "ecdsa-p256-sha256" }

func open(_ context.Context, path string, hf crypto.Hash) (kms.SignerVerifier, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	priv, err := cryptoutils.UnmarshalPEMToPrivateKey(data, nil)
	if err != nil {
		return nil, err
	}
	signer, ok := priv.(crypto.Signer)
	if !ok {
		return nil, fmt.Errorf("%T cannot sign", priv)
	}
	sv, err := signature.LoadSignerVerifier(priv, hf)
	if err != nil {
		return nil, err
	}
	return &fileKey{SignerVerifier: sv, signer: signer, hf: hf}, nil
}

func main() { os.Exit(kmsplugin.RunWith(open, os.Args, os.Stdin, os.Stdout)) }
