// Package kmsplugin runs a sigstore KMS plugin: a program named sigstore-kms-SCHEME that sigstore/sigstore's KMS
// layer (and so ferroseal and cosign) runs for keys SCHEME://KEY when no provider for SCHEME is linked in. It lets
// ferroseal keep the cloud SDKs out of its own binary: the plugins in cmd/sigstore-kms-* each link one of
// sigstore/sigstore's providers.
package kmsplugin

import (
	"context"
	"crypto"
	"fmt"
	"io"
	"time"

	"github.com/sigstore/sigstore/pkg/signature/kms"
	"github.com/sigstore/sigstore/pkg/signature/kms/cliplugin/handler"
)

// Run serves one call of the plugin protocol for keys SCHEME://KEY: it reads the call from args and stdin, asks
// the provider registered for SCHEME, and writes the answer (or the error) to stdout. It returns the exit status,
// which the protocol ignores.
func Run(scheme string, args []string, stdin io.Reader, stdout io.Writer) int {
	return RunWith(func(ctx context.Context, keyID string, hf crypto.Hash) (kms.SignerVerifier, error) {
		return kms.Get(ctx, scheme+"://"+keyID, hf)
	}, args, stdin, stdout)
}

// RunWith is Run with the signer made by open.
func RunWith(open func(ctx context.Context, keyID string, hf crypto.Hash) (kms.SignerVerifier, error), args []string, stdin io.Reader, stdout io.Writer) int {
	pa, err := handler.GetPluginArgs(args)
	if err != nil {
		handler.WriteErrorResponse(stdout, err)
		return 1
	}
	ctx := context.Background()
	if d := pa.InitOptions.CtxDeadline; d != nil {
		var cancel context.CancelFunc
		ctx, cancel = context.WithDeadline(ctx, *d)
		defer cancel()
	} else {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, 5*time.Minute)
		defer cancel()
	}
	sv, err := open(ctx, pa.InitOptions.KeyResourceID, pa.InitOptions.HashFunc)
	if err != nil {
		handler.WriteErrorResponse(stdout, fmt.Errorf("opening key %s: %w", pa.InitOptions.KeyResourceID, err))
		return 1
	}
	if _, err := handler.Dispatch(stdout, stdin, pa, sv); err != nil {
		return 1
	}
	return 0
}
