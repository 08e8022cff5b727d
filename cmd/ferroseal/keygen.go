package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/sigstore/sigstore/pkg/cryptoutils"
	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/atomicfile"
)

func (a *app) keygenCommand() *cobra.Command {
	var (
		algorithm    string
		prefix       string
		passwordFile string
		force        bool
		allowEmpty   bool
	)
	var algs []string
	for _, k := range attest.KeyAlgorithms {
		algs = append(algs, string(k))
	}
	cmd := &cobra.Command{
		Use:   "keygen",
		Short: "Make a signing key pair",
		Long: `Make a key pair for signing attestations: PREFIX.key, the private key encrypted with a password (in the
format cosign reads, so the key works with cosign too; file mode 0600), and PREFIX.pub, the public key to verify
with.

` + passwordHelp,
		Example: `  FERROSEAL_PASSWORD=... ferroseal keygen                        # ferroseal.key, ferroseal.pub (ECDSA P-256)
  ferroseal keygen --algorithm ed25519 --output-key-prefix release --password-file pw.txt`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			alg := attest.KeyAlgorithm(algorithm)
			if !containsAlg(alg) {
				return usageErrorf("--algorithm %q: want one of %s", algorithm, strings.Join(algs, ", "))
			}
			// A directory (or a prefix ending in a slash) gets ferroseal.key and ferroseal.pub, not hidden .key and .pub.
			if st, err := os.Stat(prefix); strings.HasSuffix(prefix, "/") || err == nil && st.IsDir() {
				prefix = filepath.Join(prefix, "ferroseal")
			}
			keyPath, pubPath := prefix+".key", prefix+".pub"
			if !force {
				for _, p := range []string{keyPath, pubPath} {
					if _, err := os.Stat(p); err == nil {
						return fmt.Errorf("%s exists: not overwriting a key (use --force)", p)
					} else if !errors.Is(err, fs.ErrNotExist) {
						return err
					}
				}
			}
			pw, err := a.passwordFunc(passwordFile)(true)
			if err != nil {
				return err
			}
			if len(pw) == 0 && !allowEmpty {
				return usageErrorf("the password is empty: anyone who gets %s could sign as you; give a password, or pass --allow-empty-password", keyPath)
			}
			priv, pub, err := attest.GenerateKey(alg, pw)
			if err != nil {
				return err
			}
			if err := atomicfile.WriteBytes(keyPath, 0o600, priv); err != nil {
				return err
			}
			if err := atomicfile.WriteBytes(pubPath, 0o644, pub); err != nil {
				return err
			}
			id := ""
			if k, err := cryptoutils.UnmarshalPEMToPublicKey(pub); err == nil {
				if id, err = attest.KeyID(k); err == nil {
					id = ", key id " + id
				}
			}
			a.notef("wrote %s (private, %s) and %s%s", keyPath, alg, pubPath, id)
			return nil
		},
	}
	cmd.Flags().StringVar(&algorithm, "algorithm", string(attest.ECDSAP256), "key algorithm: "+strings.Join(algs, ", "))
	cmd.Flags().StringVar(&prefix, "output-key-prefix", "ferroseal", "write PREFIX.key and PREFIX.pub (a directory: DIR/ferroseal.key and DIR/ferroseal.pub)")
	cmd.Flags().StringVar(&passwordFile, "password-file", "", "read the password from the first line of FILE")
	cmd.Flags().BoolVar(&force, "force", false, "overwrite existing key files")
	cmd.Flags().BoolVar(&allowEmpty, "allow-empty-password", false, "accept an empty password (the private key is then protected by nothing)")
	return cmd
}

func containsAlg(a attest.KeyAlgorithm) bool {
	for _, k := range attest.KeyAlgorithms {
		if k == a {
			return true
		}
	}
	return false
}
