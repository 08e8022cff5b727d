// Command sigstore-kms-gcpkms is a sigstore KMS plugin for gcpkms:// keys, through sigstore/sigstore's
// gcp provider. Put it on PATH and ferroseal (or cosign) signs with --key gcpkms://KEY. See
// internal/kmsplugin and docs/kms.md.
package main

import (
	"os"

	_ "github.com/sigstore/sigstore/pkg/signature/kms/gcp"

	"github.com/ferroseal/ferroseal/internal/kmsplugin"
)

func main() { os.Exit(kmsplugin.Run("gcpkms", os.Args, os.Stdin, os.Stdout)) }
