// Command sigstore-kms-hashivault is a sigstore KMS plugin for hashivault:// keys, through sigstore/sigstore's
// hashivault provider. Put it on PATH and ferroseal (or cosign) signs with --key hashivault://KEY. See
// internal/kmsplugin and docs/kms.md.
package main

import (
	"os"

	_ "github.com/sigstore/sigstore/pkg/signature/kms/hashivault"

	"github.com/ferroseal/ferroseal/internal/kmsplugin"
)

func main() { os.Exit(kmsplugin.Run("hashivault", os.Args, os.Stdin, os.Stdout)) }
