package release_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/release"
	"github.com/ferroseal/ferroseal/sbom/format"
)

// ExampleRun releases one binary with a new key: its SBOMs, their signed attestations, SHA256SUMS.
func ExampleRun() {
	dir, _ := os.MkdirTemp("", "release")
	defer os.RemoveAll(dir)
	bin, _ := os.ReadFile("../sbom/auditable/testdata/bin/x86_64-linux.elf")
	os.WriteFile(filepath.Join(dir, "app"), bin, 0o755)
	priv, _, _ := attest.GenerateKey(attest.ECDSAP256, []byte("pw"))
	os.WriteFile(filepath.Join(dir, "k.key"), priv, 0o600)
	key, _ := attest.LoadPrivateKey(context.Background(), filepath.Join(dir, "k.key"), func(bool) ([]byte, error) { return []byte("pw"), nil })
	os.Remove(filepath.Join(dir, "k.key"))

	res, err := release.Run(context.Background(), release.Options{
		Artifacts:  []string{dir},
		Created:    time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC),
		Tool:       format.Tool{Name: "example", Version: "1.0.0", Reproducible: true},
		Sign:       attest.SignOptions{Keypair: key},
		Provenance: release.Provenance{None: true},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(strings.Join(res.Files, " "))
	fmt.Println(len(res.Artifacts[0].Attestations), "attestations;", "provenance:", res.Provenance)
	sums, _ := os.ReadFile(filepath.Join(dir, "SHA256SUMS"))
	fmt.Print(string(sums))
	// Output:
	// app.cdx.json app.spdx.json app.intoto.jsonl SHA256SUMS
	// 2 attestations; provenance: none: left out as asked
	// 737e8b6cc39a72feaa348b684c6219ffe1b0f254d238b66969d2dc2035e1a63c  app
	// 5db86d720b698cc0064fad23194f5f6c7a7d437ff529be91df741a83f92123ea  app.cdx.json
	// 89b8f9098c6d6d28f633d6361e79218bb4c5f3575603badbf9082438de179563  app.spdx.json
}
