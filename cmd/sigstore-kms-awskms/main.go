// Command sigstore-kms-awskms is a sigstore KMS plugin for awskms:// keys, through sigstore/sigstore's
// aws provider. Put it on PATH and ferroseal (or cosign) signs with --key awskms://KEY. See
// internal/kmsplugin and docs/kms.md.
package main

import (
	"os"

	_ "github.com/sigstore/sigstore/pkg/signature/kms/aws"

	"github.com/ferroseal/ferroseal/internal/kmsplugin"
)

func main() { os.Exit(kmsplugin.Run("awskms", os.Args, os.Stdin, os.Stdout)) }
