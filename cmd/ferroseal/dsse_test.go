package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

// release --export-dsse writes every signed statement again as a bare DSSE envelope: one per JSON SBOM (named
// after the SBOM file) and one for provenance, each carrying the keyid keygen printed, each verified by cosign
// as a DSSE signature over the artifact, and none in SHA256SUMS (signatures are not reproducible). A changed
// envelope is refused by cosign. attest --dsse does the same for one statement.
func TestExportDSSE(t *testing.T) {
	examples := testenv.Cargo(t)
	cosign := testenv.Tool(t, "cosign")
	dir := t.TempDir()
	rel := filepath.Join(dir, "dist")
	os.MkdirAll(rel, 0o755)
	app := filepath.Join(rel, "app")
	os.WriteFile(app, mustRead(t, filepath.Join(binFixtures, "x86_64-linux.elf")), 0o755)

	prefix := filepath.Join(dir, "release")
	res := runCLI(t, pwEnv, "", "keygen", "--output-key-prefix", prefix)
	keyID := regexp.MustCompile(`key id (SHA256:[A-Za-z0-9+/]{43})`).FindStringSubmatch(res.stderr)
	if res.code != 0 || keyID == nil {
		t.Fatalf("keygen prints no key id: %s", res.stderr)
	}
	key, pub := prefix+".key", prefix+".pub"

	prov := filepath.Join(dir, "prov.json")
	if res := runCLI(t, nil, "", "provenance", app, "--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml"), "--provenance", prov); res.code != 0 {
		t.Fatalf("provenance: %s", res.stderr)
	}
	res = runCLI(t, pwEnv, "", "release", rel, "--key", key, "--provenance", prov, "--export-dsse", "--dependency-track",
		"-o", "cyclonedx-json", "-o", "cyclonedx-json@1.7", "-o", "spdx-json", "-o", "spdx3-json")
	if res.code != 0 {
		t.Fatalf("release: %s", res.stderr)
	}
	if !strings.Contains(res.stderr, "--verifier-key-id "+keyID[1]) {
		t.Errorf("release does not say how to give GUAC the key:\n%s", res.stderr)
	}
	if st, err := os.Stat(filepath.Join(rel, "dependency-track.sh")); err != nil || st.Mode().Perm()&0o100 == 0 {
		t.Errorf("dependency-track.sh: %v", err)
	} else if script := string(mustRead(t, filepath.Join(rel, "dependency-track.sh"))); !strings.Contains(script, `'bom=@"app.1.6.cdx.json"'`) {
		t.Errorf("dependency-track.sh does not upload the CycloneDX SBOM:\n%s", script)
	}
	if res := runCLI(t, pwEnv, "", "release", rel, "--key", key, "--no-provenance", "--dependency-track", "-o", "spdx-json"); res.code != 2 {
		t.Errorf("--dependency-track without CycloneDX: exit %d, want 2: %s", res.code, res.stderr)
	}
	want := map[string]string{
		"app.1.6.cdx.dsse.json":    "https://cyclonedx.org/bom",
		"app.1.7.cdx.dsse.json":    "https://cyclonedx.org/bom",
		"app.spdx.dsse.json":       "https://spdx.dev/Document",
		"app.spdx3.dsse.json":      "https://spdx.dev/Document/v3",
		"app.provenance.dsse.json": "https://slsa.dev/provenance/v1",
	}
	entries, _ := os.ReadDir(rel)
	var got []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".dsse.json") {
			got = append(got, e.Name())
		}
	}
	if len(got) != len(want) {
		t.Errorf("envelopes %v, want %d: %v", got, len(want), want)
	}
	if sums := string(mustRead(t, filepath.Join(rel, "SHA256SUMS"))); strings.Contains(sums, ".dsse.json") {
		t.Errorf("SHA256SUMS lists envelopes:\n%s", sums)
	}
	for name, ptype := range want {
		path := filepath.Join(rel, name)
		data, err := os.ReadFile(path)
		if err != nil {
			t.Error(err)
			continue
		}
		var env struct {
			PayloadType string `json:"payloadType"`
			Signatures  []struct {
				KeyID string `json:"keyid"`
			} `json:"signatures"`
		}
		if err := json.Unmarshal(data, &env); err != nil || len(env.Signatures) != 1 || env.Signatures[0].KeyID != keyID[1] {
			t.Errorf("%s: %v %s", name, err, data)
		}
		out, err := exec.Command(cosign, "verify-blob-attestation", "--key", pub, "--insecure-ignore-tlog=true",
			"--type", ptype, "--signature", path, app).CombinedOutput()
		if err != nil || !strings.Contains(string(out), "Verified OK") {
			t.Errorf("cosign rejects %s: %v\n%s", name, err, out)
		}
	}

	// A payload changed by one byte (its base64 re-encoded) no longer verifies.
	data := mustRead(t, filepath.Join(rel, "app.provenance.dsse.json"))
	var env map[string]any
	json.Unmarshal(data, &env)
	env["payload"] = strings.Replace(env["payload"].(string), "A", "B", 1)
	forged, _ := json.Marshal(env)
	forgedPath := filepath.Join(dir, "forged.dsse.json")
	os.WriteFile(forgedPath, forged, 0o644)
	if out, err := exec.Command(cosign, "verify-blob-attestation", "--key", pub, "--insecure-ignore-tlog=true",
		"--type", "https://slsa.dev/provenance/v1", "--signature", forgedPath, app).CombinedOutput(); err == nil {
		t.Errorf("cosign accepts a changed envelope:\n%s", out)
	}

	// attest --dsse: the envelope next to the artifact, named by kind.
	res = runCLI(t, pwEnv, "", "attest", app, "--key", key, "--type", "slsaprovenance1", "--predicate", prov, "--dsse", "--bundle", filepath.Join(dir, "one.sigstore.json"))
	if res.code != 0 {
		t.Fatalf("attest --dsse: %s", res.stderr)
	}
	one := filepath.Join(dir, "one.provenance.dsse.json")
	if out, err := exec.Command(cosign, "verify-blob-attestation", "--key", pub, "--insecure-ignore-tlog=true",
		"--type", "https://slsa.dev/provenance/v1", "--signature", one, app).CombinedOutput(); err != nil {
		t.Errorf("cosign rejects attest's envelope: %v\n%s", err, out)
	}
	if !bytes.Contains(mustRead(t, one), []byte(keyID[1])) {
		t.Error("attest's envelope lacks the keyid")
	}
}
