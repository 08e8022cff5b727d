// Command sigstore-kms-azurekms is a sigstore KMS plugin for azurekms:// keys, through sigstore/sigstore's
// azure provider. Put it on PATH and ferroseal (or cosign) signs with --key azurekms://KEY. See
// internal/kmsplugin and docs/kms.md.
package main

import (
	"os"

	_ "github.com/sigstore/sigstore/pkg/signature/kms/azure"

	"github.com/ferroseal/ferroseal/internal/kmsplugin"
)

func main() { os.Exit(kmsplugin.Run("azurekms", os.Args, os.Stdin, os.Stdout)) }
