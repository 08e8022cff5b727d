package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/package-url/packageurl-go"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

// TestGUACIngestsARelease feeds a release directory to GUAC (guacone collect files into guacgql with its keyvalue
// backend, both on this machine): the CycloneDX and SPDX SBOMs and the provenance exported as a DSSE envelope, with
// the release key. Everything lands: every crate as a package, every dependency edge of the CycloneDX SBOM
// (build crates included), every crate reached from the SPDX SBOM's root, the artifact by its SHA-256, and
// HasSLSA for it with the build's time.
func TestGUACIngestsARelease(t *testing.T) {
	testenv.Cargo(t)
	guacone, guacgql := testenv.Tool(t, "guacone"), testenv.Tool(t, "guacgql")
	dir := t.TempDir()
	rel := filepath.Join(dir, "dist")
	os.MkdirAll(rel, 0o755)
	os.WriteFile(filepath.Join(rel, "ws-app"), mustRead(t, testenv.ExampleBinary(t, "ws-app")), 0o755)
	prefix := filepath.Join(dir, "release")
	res := runCLI(t, pwEnv, "", "keygen", "--output-key-prefix", prefix)
	keyID := regexp.MustCompile(`key id (SHA256:\S+)`).FindStringSubmatch(res.stderr)
	if keyID == nil {
		t.Fatalf("keygen: %s", res.stderr)
	}
	res = runCLI(t, map[string]string{"FERROSEAL_PASSWORD": "pw", "SOURCE_DATE_EPOCH": "1767225600"}, "", "release", rel,
		"--key", prefix+".key", "--manifest-path", filepath.Join(testenv.RepoRoot(t), "examples", "workspace", "Cargo.toml"), "--export-dsse",
		"--audit", "--db", testDB(t))
	if res.code != 0 {
		t.Fatalf("release: %s", res.stderr)
	}
	feed := filepath.Join(dir, "feed")
	os.MkdirAll(feed, 0o755)
	for _, name := range []string{"ws-app.cdx.json", "ws-app.spdx.json", "ws-app.provenance.dsse.json", "ws-app.openvex.json"} {
		os.WriteFile(filepath.Join(feed, name), mustRead(t, filepath.Join(rel, name)), 0o644)
	}
	pem := filepath.Join(dir, "release.pem") // guacone takes a key only from a file named .pem
	os.WriteFile(pem, mustRead(t, prefix+".pub"), 0o644)

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	ctx, cancel := context.WithCancel(context.Background())
	server := exec.CommandContext(ctx, guacgql, "--gql-backend", "keyvalue", "--gql-listen-port", fmt.Sprint(port))
	var serverLog bytes.Buffer
	server.Stdout, server.Stderr = &serverLog, &serverLog
	if err := server.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); server.Wait() })
	endpoint := fmt.Sprintf("http://127.0.0.1:%d/query", port)
	query := func(q string, out any) {
		t.Helper()
		body, _ := json.Marshal(map[string]string{"query": q})
		resp, err := http.Post(endpoint, "application/json", bytes.NewReader(body))
		if err != nil {
			t.Fatalf("guacgql: %v\n%s", err, serverLog.String())
		}
		defer resp.Body.Close()
		var r struct {
			Data   json.RawMessage `json:"data"`
			Errors []any           `json:"errors"`
		}
		if err := json.NewDecoder(resp.Body).Decode(&r); err != nil || len(r.Errors) > 0 {
			t.Fatalf("query %s: %v %v", q, err, r.Errors)
		}
		json.Unmarshal(r.Data, out)
	}
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(200 * time.Millisecond) {
		resp, err := http.Post(endpoint, "application/json", strings.NewReader(`{"query":"{ builders(builderSpec: {}) { id } }"}`))
		if err == nil {
			resp.Body.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("guacgql did not start: %s", serverLog.String())
		}
	}

	out, err := exec.Command(guacone, "collect", "files", feed, "--gql-addr", endpoint,
		"--verifier-key-path", pem, "--verifier-key-id", keyID[1]).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "completed ingestion") && bytes.Contains(out, []byte(`"level":"error"`)) {
		t.Fatalf("guacone: %v\n%s", err, out)
	}
	if bytes.Contains(out, []byte("did not ingest successfully")) {
		t.Fatalf("guacone left files out:\n%s", out)
	}

	// GUAC checks the signature: an envelope whose signature is not the key's is refused.
	forged := filepath.Join(dir, "forged")
	os.MkdirAll(forged, 0o755)
	var env map[string]any
	json.Unmarshal(mustRead(t, filepath.Join(rel, "ws-app.provenance.dsse.json")), &env)
	sig := env["signatures"].([]any)[0].(map[string]any)
	b64 := []byte(sig["sig"].(string))
	b64[20] = "AB"[boolIndex(b64[20] == 'A')] // one character of r changed
	sig["sig"] = string(b64)
	data, _ := json.Marshal(env)
	os.WriteFile(filepath.Join(forged, "forged.dsse.json"), data, 0o644)
	out2, _ := exec.Command(guacone, "collect", "files", forged, "--gql-addr", endpoint,
		"--verifier-key-path", pem, "--verifier-key-id", keyID[1]).CombinedOutput()
	if !bytes.Contains(out2, []byte("did not ingest successfully")) {
		t.Errorf("GUAC ingests an envelope with a forged signature:\n%s", out2)
	}

	// The SBOM's own account: crates and edges, by name@version.
	var bom struct {
		Metadata struct {
			Component struct {
				BOMRef string `json:"bom-ref"`
				PURL   string `json:"purl"`
			} `json:"component"`
		} `json:"metadata"`
		Components []struct {
			BOMRef string `json:"bom-ref"`
			PURL   string `json:"purl"`
		} `json:"components"`
		Dependencies []struct {
			Ref       string   `json:"ref"`
			DependsOn []string `json:"dependsOn"`
		} `json:"dependencies"`
	}
	json.Unmarshal(mustRead(t, filepath.Join(rel, "ws-app.cdx.json")), &bom)
	nameOf := map[string]string{}
	crates := map[string]bool{}
	for _, c := range append(bom.Components, bom.Metadata.Component) {
		p, err := packageurl.FromString(c.PURL)
		if err != nil {
			t.Fatalf("%s: %v", c.PURL, err)
		}
		nameOf[c.BOMRef] = p.Name + "@" + p.Version
		if p.Type == "cargo" {
			crates[p.Name+"@"+p.Version] = true
		}
	}
	wantEdges := map[string]bool{}
	for _, d := range bom.Dependencies {
		for _, on := range d.DependsOn {
			wantEdges[nameOf[d.Ref]+" -> "+nameOf[on]] = true
		}
	}
	if len(crates) < 10 || len(wantEdges) < len(crates) {
		t.Fatalf("the example's SBOM is too small to test with: %d crates, %d edges", len(crates), len(wantEdges))
	}

	type pkg struct {
		Type       string `json:"type"`
		Namespaces []struct {
			Names []struct {
				Name     string `json:"name"`
				Versions []struct {
					Version string `json:"version"`
				} `json:"versions"`
			} `json:"names"`
		} `json:"namespaces"`
	}
	flat := func(p pkg) []string {
		var out []string
		for _, ns := range p.Namespaces {
			for _, n := range ns.Names {
				for _, v := range n.Versions {
					out = append(out, n.Name+"@"+v.Version)
				}
			}
		}
		return out
	}
	const tree = `type namespaces { names { name versions { version } } }`
	var pkgs struct{ Packages []pkg }
	query(`{ packages(pkgSpec: {type: "cargo"}) { `+tree+` } }`, &pkgs)
	inGUAC := map[string]bool{}
	for _, p := range pkgs.Packages {
		for _, n := range flat(p) {
			inGUAC[n] = true
		}
	}
	for c := range crates {
		if !inGUAC[c] {
			t.Errorf("crate %s is not a package in GUAC", c)
		}
	}

	var deps struct {
		IsDependency []struct {
			Package           pkg    `json:"package"`
			DependencyPackage pkg    `json:"dependencyPackage"`
			Origin            string `json:"origin"`
		}
	}
	query(`{ IsDependency(isDependencySpec: {}) { package { `+tree+` } dependencyPackage { `+tree+` } origin } }`, &deps)
	gotEdges := map[string]map[string]bool{"cdx": {}, "spdx": {}}
	for _, d := range deps.IsDependency {
		kind := "cdx"
		if strings.HasSuffix(d.Origin, ".spdx.json") {
			kind = "spdx"
		}
		for _, from := range flat(d.Package) {
			for _, to := range flat(d.DependencyPackage) {
				gotEdges[kind][from+" -> "+to] = true
				gotEdges[kind]["* -> "+to] = true
			}
		}
	}
	for e := range wantEdges {
		if !gotEdges["cdx"][e] {
			t.Errorf("the CycloneDX edge %s is not in GUAC", e)
		}
	}
	for c := range crates {
		if !gotEdges["spdx"]["* -> "+c] {
			t.Errorf("crate %s is no dependency of anything GUAC read from the SPDX SBOM", c)
		}
	}

	sum := fmt.Sprintf("%x", sha256.Sum256(mustRead(t, filepath.Join(rel, "ws-app"))))
	var arts struct{ Artifacts []struct{ Digest string } }
	query(`{ artifacts(artifactSpec: {algorithm: "sha256", digest: "`+sum+`"}) { digest } }`, &arts)
	if len(arts.Artifacts) != 1 {
		t.Errorf("the artifact sha256:%s is not in GUAC", sum)
	}
	// The audit's OpenVEX: GUAC records each statement against the artifact's package.
	var vexes struct {
		CertifyVEXStatement []struct {
			Status        string `json:"status"`
			Vulnerability struct {
				VulnerabilityIDs []struct {
					VulnerabilityID string `json:"vulnerabilityID"`
				} `json:"vulnerabilityIDs"`
			} `json:"vulnerability"`
		} `json:"CertifyVEXStatement"`
	}
	query(`{ CertifyVEXStatement(certifyVEXStatementSpec: {}) { status vulnerability { vulnerabilityIDs { vulnerabilityID } } } }`, &vexes)
	statuses := map[string]string{}
	for _, v := range vexes.CertifyVEXStatement {
		for _, id := range v.Vulnerability.VulnerabilityIDs {
			statuses[id.VulnerabilityID] = v.Status
		}
	}
	if statuses["rustsec-2099-0103"] != "AFFECTED" || statuses["rustsec-2099-0101"] != "NOT_AFFECTED" {
		t.Errorf("GUAC's VEX statements: %v", statuses)
	}

	var slsa struct {
		HasSLSA []struct {
			Slsa struct {
				BuiltBy   struct{ URI string } `json:"builtBy"`
				StartedOn *string              `json:"startedOn"`
			} `json:"slsa"`
		} `json:"HasSLSA"`
	}
	query(`{ HasSLSA(hasSLSASpec: {subject: {algorithm: "sha256", digest: "`+sum+`"}}) { slsa { builtBy { uri } startedOn } } }`, &slsa)
	if len(slsa.HasSLSA) == 0 {
		t.Fatalf("no HasSLSA for the artifact:\n%s", out)
	}
	if s := slsa.HasSLSA[0].Slsa; s.BuiltBy.URI == "" || s.StartedOn == nil || !strings.HasPrefix(*s.StartedOn, "2026-01-01T00:00:00") {
		t.Errorf("HasSLSA %+v", s)
	}
}

func boolIndex(b bool) int {
	if b {
		return 1
	}
	return 0
}
