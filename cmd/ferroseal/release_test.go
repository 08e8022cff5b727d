package main

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

// TestReleaseDirectory releases two example binaries and an archive of them with a key, twice, and checks that the
// SBOMs are the same bytes both times, that SHA256SUMS holds, and that every artifact verifies completely with
// ferroseal (every predicate type, --check-sbom) and every attestation with cosign.
func TestReleaseDirectory(t *testing.T) {
	examples := testenv.Cargo(t)
	cosign := testenv.Tool(t, "cosign")
	dir := t.TempDir()
	rel := filepath.Join(dir, "dist")
	os.MkdirAll(rel, 0o755)
	for _, b := range []string{"ws-app", "sha-report"} {
		data := mustRead(t, testenv.ExampleBinary(t, b))
		os.WriteFile(filepath.Join(rel, b), data, 0o755)
	}
	tarball := filepath.Join(rel, "tools-x86_64-linux.tar.gz")
	if out, err := exec.Command("tar", "czf", tarball, "-C", rel, "ws-app", "sha-report").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	os.WriteFile(filepath.Join(rel, "README.md"), []byte("# release notes\n"), 0o644)
	key, pub := keygen(t, dir, "ecdsa-p256")
	env := map[string]string{"FERROSEAL_PASSWORD": "pw", "SOURCE_DATE_EPOCH": ""}

	release := func() map[string][]byte {
		res := runCLI(t, env, "", "release", rel, "--key", key, "--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml"))
		if res.code != 0 {
			t.Fatalf("release: %s", res.stderr)
		}
		out := map[string][]byte{}
		entries, _ := os.ReadDir(rel)
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".json") || e.Name() == "SHA256SUMS" {
				out[e.Name()] = mustRead(t, filepath.Join(rel, e.Name()))
			}
		}
		return out
	}
	first := release()
	second := release()
	if len(first) != 7 { // 3 artifacts x 2 SBOMs + SHA256SUMS
		t.Errorf("%d SBOM and checksum files, want 7: %v", len(first), keys(first))
	}
	for name, data := range first {
		if !bytes.Equal(data, second[name]) {
			t.Errorf("%s differs between two releases of the same inputs", name)
		}
	}
	check := exec.Command("sha256sum", "--check", "SHA256SUMS")
	check.Dir = rel
	if out, err := check.CombinedOutput(); err != nil {
		t.Errorf("sha256sum --check: %v\n%s", err, out)
	} else if strings.Count(string(out), ": OK") != 9 {
		t.Errorf("SHA256SUMS should cover 3 artifacts and 6 SBOMs:\n%s", out)
	}

	for _, art := range []string{"ws-app", "sha-report", "tools-x86_64-linux.tar.gz"} {
		p := filepath.Join(rel, art)
		res := runCLI(t, nil, "", "verify", p, "--key", pub, "--type", "cyclonedx", "--type", "spdx", "--type", "slsaprovenance1", "--check-sbom")
		if res.code != 0 {
			t.Errorf("ferroseal verify %s: %s", art, res.stderr)
		}
		lines := strings.Split(strings.TrimSpace(string(mustRead(t, p+".intoto.jsonl"))), "\n")
		if len(lines) != 3 {
			t.Errorf("%s.intoto.jsonl: %d lines, want 3", art, len(lines))
		}
		for i, line := range lines {
			var b struct {
				DSSE struct {
					Payload string `json:"payload"`
				} `json:"dsseEnvelope"`
			}
			json.Unmarshal([]byte(line), &b)
			raw, _ := base64.StdEncoding.DecodeString(b.DSSE.Payload)
			var stmt struct {
				PredicateType string `json:"predicateType"`
			}
			json.Unmarshal(raw, &stmt)
			one := filepath.Join(dir, "line.json")
			os.WriteFile(one, []byte(line), 0o644)
			out, err := exec.Command(cosign, "verify-blob-attestation", "--key", pub, "--insecure-ignore-tlog=true",
				"--type", stmt.PredicateType, "--bundle", one, p).CombinedOutput()
			if err != nil || !strings.Contains(string(out), "Verified OK") {
				t.Errorf("cosign rejects %s line %d (%s): %v\n%s", art, i+1, stmt.PredicateType, err, out)
			}
		}
	}
}

func keys(m map[string][]byte) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
