package attest_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/ferroseal/ferroseal/attest"
)

func ExampleNewStatement() {
	stmt, err := attest.NewStatement(
		[]attest.Subject{{Name: "app", Digest: map[string]string{"sha256": "1f40fc92da241694750979ee6cf582f2d5d7d28e18335de05abc54d0560e0f53"}}},
		attest.PredicateSLSAProvenance1, []byte(`{"buildDefinition": {"buildType": "https://example.com/t"}}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	b, _ := stmt.Bytes()
	fmt.Println(string(b))
	// Output:
	// {"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"app","digest":{"sha256":"1f40fc92da241694750979ee6cf582f2d5d7d28e18335de05abc54d0560e0f53"}}],"predicateType":"https://slsa.dev/provenance/v1","predicate":{"buildDefinition":{"buildType":"https://example.com/t"}}}
}

// ExampleVerify signs an attestation about a file with a new key and verifies it, as a release pipeline and a
// user who downloads the file would.
func ExampleVerify() {
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	artifact := filepath.Join(dir, "app")
	os.WriteFile(artifact, []byte("the release"), 0o644)

	priv, pub, _ := attest.GenerateKey(attest.ECDSAP256, []byte("password"))
	os.WriteFile(filepath.Join(dir, "k.key"), priv, 0o600)
	os.WriteFile(filepath.Join(dir, "k.pub"), pub, 0o644)
	key, err := attest.LoadPrivateKey(context.Background(), filepath.Join(dir, "k.key"), func(bool) ([]byte, error) { return []byte("password"), nil })
	if err != nil {
		fmt.Println(err)
		return
	}
	digest, _ := attest.DigestFile(artifact, "sha256")
	stmt, _ := attest.NewStatement([]attest.Subject{{Name: "app", Digest: digest}}, attest.PredicateCycloneDX, []byte(`{"bomFormat":"CycloneDX","specVersion":"1.6"}`))
	bundle, err := attest.Sign(context.Background(), stmt, attest.SignOptions{Keypair: key})
	if err != nil {
		fmt.Println(err)
		return
	}

	pubKey, _ := attest.LoadPublicKey(filepath.Join(dir, "k.pub"))
	res, err := attest.Verify(context.Background(), artifact, []attest.Evidence{{Source: "app.sigstore.json", Data: bundle}},
		attest.Policy{Key: pubKey, PredicateTypes: []string{attest.PredicateCycloneDX}})
	fmt.Println(res.Verified, err)
	os.WriteFile(artifact, []byte("the release, modified"), 0o644)
	res, err = attest.Verify(context.Background(), artifact, []attest.Evidence{{Source: "app.sigstore.json", Data: bundle}},
		attest.Policy{Key: pubKey, PredicateTypes: []string{attest.PredicateCycloneDX}})
	fmt.Println(res.Verified, strings.Split(res.Problems[0], " (")[0])
	// Output:
	// true <nil>
	// false no attestation is about app
}
