package main

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/sigstore/sigstore-go/pkg/sign"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/testenv"
)

// copyFixture copies a committed fixture binary into dir under name.
func copyFixture(t *testing.T, fixture, dir, name string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(binFixtures, fixture))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// keygen makes a key pair with the CLI and returns the private and public key paths.
func keygen(t *testing.T, dir, alg string) (string, string) {
	t.Helper()
	prefix := filepath.Join(dir, alg)
	res := runCLI(t, map[string]string{"FERROSEAL_PASSWORD": "pw"}, "", "keygen", "--algorithm", alg, "--output-key-prefix", prefix)
	if res.code != 0 {
		t.Fatalf("keygen %s: %s", alg, res.stderr)
	}
	st, err := os.Stat(prefix + ".key")
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("private key mode %v, want 0600", st.Mode().Perm())
	}
	return prefix + ".key", prefix + ".pub"
}

var pwEnv = map[string]string{"FERROSEAL_PASSWORD": "pw"}

// TestCosignInterop: cosign verifies our bundles and we verify cosign's, for every key type cosign's key flow
// verifies (ECDSA P-256, RSA; cosign v3.1.3 cannot verify its own P-384 or Ed25519 key bundles, so those are
// checked one way only).
func TestCosignInterop(t *testing.T) {
	cosign := testenv.Tool(t, "cosign")
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	pred := filepath.Join(dir, "pred.cdx.json")
	if res := runCLI(t, nil, "", "sbom", art, "-o", "cyclonedx-json="+pred); res.code != 0 {
		t.Fatal(res.stderr)
	}
	for _, tc := range []struct {
		alg            string
		cosignVerifies bool
		cosignSigns    bool
	}{
		{"ecdsa-p256", true, true},
		{"rsa-3072", true, true},
		{"rsa-4096", true, true},
		{"ed25519", true, false},
		{"ecdsa-p384", false, true},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			key, pub := keygen(t, dir, tc.alg)
			ours := filepath.Join(dir, tc.alg+".ours.json")
			if res := runCLI(t, pwEnv, "", "attest", art, "--key", key, "--type", "cyclonedx", "--bundle", ours); res.code != 0 {
				t.Fatalf("attest: %s", res.stderr)
			}
			if tc.cosignVerifies {
				out, err := exec.Command(cosign, "verify-blob-attestation", "--key", pub, "--insecure-ignore-tlog=true",
					"--type", "cyclonedx", "--bundle", ours, art).CombinedOutput()
				if err != nil || !strings.Contains(string(out), "Verified OK") {
					t.Errorf("cosign rejects our bundle: %v\n%s", err, out)
				}
			}
			if tc.cosignSigns {
				theirs := filepath.Join(dir, tc.alg+".cosign.json")
				cmd := exec.Command(cosign, "attest-blob", "--key", key, "--use-signing-config=false", "--tlog-upload=false",
					"--predicate", pred, "--type", "cyclonedx", "--bundle", theirs, "-y", art)
				cmd.Env = append(os.Environ(), "COSIGN_PASSWORD=pw")
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("cosign attest-blob: %v\n%s", err, out)
				}
				res := runCLI(t, nil, "", "verify", art, "--bundle", theirs, "--key", pub, "--type", "cyclonedx", "--check-sbom")
				if res.code != 0 {
					t.Errorf("we reject cosign's bundle: %s", res.stderr)
				}
			}
		})
	}
}

// statementOf returns the in-toto statement inside a bundle file.
func statementOf(t *testing.T, bundlePath string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(bundlePath)
	if err != nil {
		t.Fatal(err)
	}
	var b struct {
		DSSE struct {
			Payload string `json:"payload"`
		} `json:"dsseEnvelope"`
	}
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	payload, err := base64.StdEncoding.DecodeString(b.DSSE.Payload)
	if err != nil {
		t.Fatal(err)
	}
	var s map[string]any
	if err := json.Unmarshal(payload, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestGoldenStatements: the statements ferroseal signs, at a fixed time, for a reviewer to check field by field.
func TestGoldenStatements(t *testing.T) {
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "x86_64-linux.elf")
	key, _ := keygen(t, dir, "ecdsa-p256")
	env := map[string]string{"FERROSEAL_PASSWORD": "pw", "SOURCE_DATE_EPOCH": "1767225600"}
	for _, typ := range []string{"cyclonedx", "spdx", "spdx3"} {
		out := filepath.Join(dir, typ+".json")
		if res := runCLI(t, env, "", "attest", art, "--key", key, "--type", typ, "--hash", "sha256,sha512", "--bundle", out); res.code != 0 {
			t.Fatal(res.stderr)
		}
		pretty, err := json.MarshalIndent(statementOf(t, out), "", "  ")
		if err != nil {
			t.Fatal(err)
		}
		golden(t, "attest/x86_64-linux.elf."+typ+".statement.json", append(pretty, '\n'))
	}
}

// TestTamperMatrix: every way of tampering with the artifact, the bundle or the key is rejected with the
// verification-failed exit code, and nothing tampered is accepted.
func TestTamperMatrix(t *testing.T) {
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	other := copyFixture(t, "x86_64-windows.exe", dir, "other") // embeds winapi too: another crate set
	key, pub := keygen(t, dir, "ecdsa-p256")
	_, otherPub := keygen(t, dir, "rsa-3072")
	attackerKey, _ := keygen(t, t.TempDir(), "ecdsa-p256")
	_, edPub := keygen(t, dir, "ed25519")

	good := filepath.Join(dir, "app.sigstore.json")
	if res := runCLI(t, pwEnv, "", "attest", art, "--key", key, "--type", "cyclonedx"); res.code != 0 {
		t.Fatal(res.stderr)
	}
	forOther := filepath.Join(dir, "other.sigstore.json")
	if res := runCLI(t, pwEnv, "", "attest", other, "--key", key, "--type", "cyclonedx"); res.code != 0 {
		t.Fatal(res.stderr)
	}
	byAttacker := filepath.Join(dir, "attacker.json")
	if res := runCLI(t, pwEnv, "", "attest", art, "--key", attackerKey, "--type", "cyclonedx", "--bundle", byAttacker); res.code != 0 {
		t.Fatal(res.stderr)
	}
	// The SBOM of the other binary, signed by the right key about this artifact: only --check-sbom can tell.
	otherSBOM := filepath.Join(dir, "other.cdx.json")
	if res := runCLI(t, nil, "", "sbom", other, "-o", "cyclonedx-json="+otherSBOM); res.code != 0 {
		t.Fatal(res.stderr)
	}
	wrongSBOM := filepath.Join(dir, "wrong-sbom.json")
	if res := runCLI(t, pwEnv, "", "attest", art, "--key", key, "--type", "cyclonedx", "--predicate", otherSBOM, "--bundle", wrongSBOM); res.code != 0 {
		t.Fatal(res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", art, "--bundle", good, "--key", pub, "--type", "cyclonedx", "--check-sbom"); res.code != 0 {
		t.Fatalf("the untampered bundle must verify: %s", res.stderr)
	}

	goodBytes, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	// edit rewrites a copy of the good bundle's JSON.
	edit := func(name string, f func(b map[string]any)) string {
		var b map[string]any
		if err := json.Unmarshal(goodBytes, &b); err != nil {
			t.Fatal(err)
		}
		f(b)
		out, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, name+".json")
		if err := os.WriteFile(p, out, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	env := func(b map[string]any) map[string]any { return b["dsseEnvelope"].(map[string]any) }
	editPayload := func(b map[string]any, f func(s map[string]any)) {
		raw, _ := base64.StdEncoding.DecodeString(env(b)["payload"].(string))
		var s map[string]any
		json.Unmarshal(raw, &s)
		f(s)
		raw, _ = json.Marshal(s)
		env(b)["payload"] = base64.StdEncoding.EncodeToString(raw)
	}
	flipSig := func(b map[string]any) {
		sigs := env(b)["signatures"].([]any)
		sig, _ := base64.StdEncoding.DecodeString(sigs[0].(map[string]any)["sig"].(string))
		sig[len(sig)/2] ^= 1
		sigs[0].(map[string]any)["sig"] = base64.StdEncoding.EncodeToString(sig)
	}
	write := func(name string, data []byte) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		return p
	}
	flipped := filepath.Join(dir, "flipped")
	data, _ := os.ReadFile(art)
	data[len(data)/2] ^= 0x40
	os.WriteFile(flipped, data, 0o755)

	// signed builds a bundle over an arbitrary payload with the right key: evidence that is validly signed but not
	// a valid attestation of this artifact.
	signed := func(name, payloadType string, payload []byte) string {
		kp, err := attest.LoadPrivateKey(context.Background(), key, func(bool) ([]byte, error) { return []byte("pw"), nil })
		if err != nil {
			t.Fatal(err)
		}
		b, err := sign.Bundle(&sign.DSSEData{Data: payload, PayloadType: payloadType}, kp, sign.BundleOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := protojson.Marshal(b)
		return write(name, out)
	}
	digest, _ := attest.DigestFile(art, "sha256", "sha512")
	stmt := func(mutate func(s map[string]any)) []byte {
		s := map[string]any{"_type": attest.StatementType, "predicateType": attest.PredicateCycloneDX,
			"subject":   []any{map[string]any{"name": "app", "digest": map[string]any{"sha256": digest["sha256"]}}},
			"predicate": map[string]any{"bomFormat": "CycloneDX"}}
		mutate(s)
		b, _ := json.Marshal(s)
		return b
	}
	messageSig := func() string {
		kp, _ := attest.LoadPrivateKey(context.Background(), key, func(bool) ([]byte, error) { return []byte("pw"), nil })
		b, err := sign.Bundle(&sign.PlainData{Data: data}, kp, sign.BundleOptions{})
		if err != nil {
			t.Fatal(err)
		}
		out, _ := protojson.Marshal(b)
		return write("message-signature.json", out)
	}

	type tc struct {
		name     string
		artifact string
		bundle   string
		pub      string
		extra    []string
	}
	cases := []tc{
		{name: "artifact byte flipped", artifact: flipped, bundle: good},
		{name: "subject digest changed", bundle: edit("subject", func(b map[string]any) {
			editPayload(b, func(s map[string]any) {
				s["subject"].([]any)[0].(map[string]any)["digest"].(map[string]any)["sha256"] = strings.Repeat("0", 64)
			})
		})},
		{name: "predicate edited", bundle: edit("predicate", func(b map[string]any) {
			editPayload(b, func(s map[string]any) { s["predicate"].(map[string]any)["serialNumber"] = "urn:uuid:forged" })
		})},
		{name: "payload type changed", bundle: edit("payloadtype", func(b map[string]any) { env(b)["payloadType"] = "application/json" })},
		{name: "signature edited", bundle: edit("signature", flipSig)},
		{name: "wrong key", bundle: good, pub: otherPub},
		{name: "signed by another key, hint claims ours", bundle: func() string {
			attacker, _ := os.ReadFile(byAttacker)
			var b map[string]any
			json.Unmarshal(attacker, &b)
			var g map[string]any
			json.Unmarshal(goodBytes, &g)
			b["verificationMaterial"] = g["verificationMaterial"]
			out, _ := json.Marshal(b)
			return write("hint.json", out)
		}()},
		{name: "bundle made for another artifact", bundle: forOther},
		{name: "wrong predicate type", bundle: good, extra: []string{"--type", "spdx"}},
		{name: "two signatures", bundle: edit("twosigs", func(b map[string]any) {
			sigs := env(b)["signatures"].([]any)
			env(b)["signatures"] = append(sigs, sigs[0])
		})},
		{name: "truncated", bundle: write("truncated.json", goodBytes[:len(goodBytes)/2])},
		{name: "empty", bundle: write("empty.json", nil)},
		{name: "oversized", bundle: write("oversized.json", append(bytes.Repeat([]byte(" "), 65<<20), goodBytes...))},
		{name: "not JSON", bundle: write("notjson.json", []byte("-----BEGIN PGP SIGNATURE-----\n"))},
		{name: "unknown media type", bundle: edit("mediatype", func(b map[string]any) { b["mediaType"] = "application/vnd.dev.sigstore.bundle.v9+json" })},
		{name: "key of another algorithm", bundle: good, pub: edPub},
		{name: "SBOM of another binary", bundle: wrongSBOM, extra: []string{"--check-sbom"}},
		{name: "statement v1 type forged", bundle: signed("badtype.json", attest.PayloadType, stmt(func(s map[string]any) { s["_type"] = "https://example.com/Statement" }))},
		{name: "statement without predicate", bundle: signed("nopred.json", attest.PayloadType, stmt(func(s map[string]any) { delete(s, "predicate") }))},
		{name: "statement with malformed digest", bundle: signed("baddigest.json", attest.PayloadType, stmt(func(s map[string]any) {
			s["subject"] = []any{map[string]any{"name": "app", "digest": map[string]any{"sha256": strings.ToUpper(digest["sha256"])}}}
		}))},
		{name: "subject with sha512 only", bundle: signed("sha512only.json", attest.PayloadType, stmt(func(s map[string]any) {
			s["subject"] = []any{map[string]any{"name": "app", "digest": map[string]any{"sha512": digest["sha512"]}}}
		}))},
		{name: "signed non-in-toto payload", bundle: signed("notintoto.json", "application/json", stmt(func(map[string]any) {}))},
		{name: "plain message signature, not an attestation", bundle: messageSig()},
		{name: "jsonl with one tampered line", bundle: write("mixed.intoto.jsonl", append(append(bytes.TrimSpace(goodBytes), '\n'),
			mustRead(t, edit("line2", flipSig))...))},
		{name: "bare DSSE envelope signed by another key", bundle: func() string {
			attacker, _ := os.ReadFile(byAttacker)
			var b map[string]any
			json.Unmarshal(attacker, &b)
			out, _ := json.Marshal(b["dsseEnvelope"])
			return write("bare.intoto.jsonl", out)
		}()},
	}
	if len(cases) < 20 {
		t.Fatalf("only %d tamper cases", len(cases))
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			a, p := c.artifact, c.pub
			if a == "" {
				a = art
			}
			if p == "" {
				p = pub
			}
			args := append([]string{"verify", a, "--bundle", c.bundle, "--key", p, "--type", "cyclonedx"}, c.extra...)
			res := runCLI(t, nil, "", args...)
			if res.code != exitVerifyFailed {
				t.Errorf("exit %d, want %d (verification failed); stderr %s", res.code, exitVerifyFailed, res.stderr)
			}
			if strings.Count(res.stderr, "\n") != 1 {
				t.Errorf("want one line on stderr, got %q", res.stderr)
			}
			jres := runCLI(t, nil, "", append(args, "--output", "json")...)
			var out attest.Result
			if jres.code != exitVerifyFailed || json.Unmarshal([]byte(jres.stdout), &out) != nil || out.Verified || len(out.Problems) == 0 {
				t.Errorf("--output json: exit %d, %s", jres.code, jres.stdout)
			}
		})
	}
}

func mustRead(t *testing.T, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestJSONLAndMultipleSubjects: an .intoto.jsonl with several attestations verifies line by line; a statement about
// several artifacts verifies for each; a validly signed line about other artifacts is reported, not counted.
func TestJSONLAndMultipleSubjects(t *testing.T) {
	dir := t.TempDir()
	a := copyFixture(t, "x86_64-linux.elf", dir, "a")
	b := copyFixture(t, "aarch64-linux.elf", dir, "b")
	c := copyFixture(t, "wasm32.wasm", dir, "c")
	key, pub := keygen(t, dir, "ecdsa-p256")
	for _, typ := range []string{"cyclonedx", "spdx", "spdx3"} {
		if res := runCLI(t, pwEnv, "", "attest", a, "--key", key, "--type", typ, "--jsonl"); res.code != 0 {
			t.Fatal(res.stderr)
		}
	}
	pred := filepath.Join(dir, "pred.json")
	os.WriteFile(pred, []byte(`{"buildDefinition":{"buildType":"https://example.com/t"},"runDetails":{"builder":{"id":"https://example.com/b"}}}`), 0o644)
	multi := filepath.Join(dir, "multiple.intoto.jsonl")
	if res := runCLI(t, pwEnv, "", "attest", a, b, "--key", key, "--type", "slsaprovenance1", "--predicate", pred, "--bundle", multi, "--jsonl"); res.code != 0 {
		t.Fatal(res.stderr)
	}
	lines := strings.Count(string(mustRead(t, a+".intoto.jsonl")), "\n")
	if lines != 3 {
		t.Errorf("a.intoto.jsonl has %d lines, want 3", lines)
	}
	res := runCLI(t, nil, "", "verify", a, "--key", pub, "--type", "cyclonedx", "--type", "spdx", "--type", "spdx3", "--check-sbom")
	if res.code != 0 {
		t.Errorf("both SBOM attestations: %s", res.stderr)
	}
	for _, art := range []string{a, b} {
		res := runCLI(t, nil, "", "verify", art, "--bundle", multi, "--key", pub, "--type", "slsaprovenance1", "--builder-id", "https://example.com/b")
		if res.code != 0 {
			t.Errorf("%s against the multi-subject provenance: %s", art, res.stderr)
		}
	}
	res = runCLI(t, nil, "", "verify", c, "--bundle", multi, "--key", pub, "--output", "json")
	var out attest.Result
	json.Unmarshal([]byte(res.stdout), &out)
	if res.code != exitVerifyFailed || len(out.Attestations) != 1 || out.Attestations[0].CoversArtifact || !out.Attestations[0].Verified {
		t.Errorf("an artifact no statement names: exit %d, %s", res.code, res.stdout)
	}
}

func TestAttestErrors(t *testing.T) {
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	nodata := copyFixture(t, "no-section.elf", dir, "nodata")
	key, _ := keygen(t, dir, "ecdsa-p256")
	assertCleanFailure(t, runCLI(t, pwEnv, "", "attest", art, "--key", key), exitUsage, "", "--type")
	assertCleanFailure(t, runCLI(t, pwEnv, "", "attest", art, "--type", "cyclonedx"), exitUsage, "", "--key")
	assertCleanFailure(t, runCLI(t, pwEnv, "", "attest", art, "--key", key, "--type", "slsaprovenance1"), exitUsage, "", "--predicate")
	assertCleanFailure(t, runCLI(t, pwEnv, "", "attest", nodata, "--key", key, "--type", "cyclonedx"), exitNotAuditable, "", "cargo auditable build")
	assertCleanFailure(t, runCLI(t, map[string]string{"FERROSEAL_PASSWORD": "wrong"}, "", "attest", art, "--key", key, "--type", "cyclonedx"), exitError, "", key)
	assertCleanFailure(t, runCLI(t, pwEnv, "", "attest", art, "--key", "awskms:///alias/release", "--type", "cyclonedx"), exitError, "", "sigstore-kms-awskms")
	assertCleanFailure(t, runCLI(t, nil, "", "verify", art, "--key", key+".missing"), exitError, "", "no such file")
	assertCleanFailure(t, runCLI(t, nil, "", "verify", art), exitUsage, "", "--key")
	if _, err := os.Stat(art + ".sigstore.json"); err == nil {
		t.Error("a failed attest left a bundle behind")
	}
}

// TestKMSPlugin signs through sigstore's KMS plugin protocol, as a cloud KMS key would be used: the test plugin
// filekms keeps its key in a file; the real hashivault plugin is run against an unreachable Vault to show that the
// key reference reaches the provider.
func TestKMSPlugin(t *testing.T) {
	if testing.Short() {
		t.Skip("builds plugin programs")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "bin")
	for _, p := range []struct{ name, pkg string }{
		{"sigstore-kms-filekms", "./internal/kmsplugin/filekms"},
		{"sigstore-kms-hashivault", "./cmd/sigstore-kms-hashivault"},
	} {
		cmd := exec.Command("go", "build", "-o", filepath.Join(bin, p.name), p.pkg)
		cmd.Dir = testenv.RepoRoot(t)
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("building %s: %v\n%s", p.name, err, out)
		}
	}
	t.Setenv("PATH", bin+string(os.PathListSeparator)+os.Getenv("PATH"))
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	der, _ := x509.MarshalPKCS8PrivateKey(ec)
	plain := filepath.Join(dir, "plain.pem")
	os.WriteFile(plain, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600)
	pubDER, _ := x509.MarshalPKIXPublicKey(ec.Public())
	pubPath := filepath.Join(dir, "k.pub")
	os.WriteFile(pubPath, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644)

	res := runCLI(t, nil, "", "attest", art, "--key", "filekms://"+plain, "--type", "cyclonedx")
	if res.code != 0 {
		t.Fatalf("attest through the plugin: %s", res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", art, "--key", pubPath, "--type", "cyclonedx"); res.code != 0 {
		t.Errorf("verify: %s", res.stderr)
	}
	t.Setenv("VAULT_ADDR", "http://127.0.0.1:1")
	t.Setenv("VAULT_TOKEN", "test")
	res = runCLI(t, nil, "", "attest", art, "--key", "hashivault://release", "--type", "cyclonedx", "--bundle", filepath.Join(dir, "x.json"))
	assertCleanFailure(t, res, exitError, "", "hashivault://release", "127.0.0.1:1")
}
