package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	vulns "github.com/in-toto/attestation/go/predicates/vulns/v02"
	"github.com/openvex/go-vex/pkg/vex"
	"github.com/owenrumney/go-sarif/v3/pkg/report/v210/sarif"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

// writeAdvisory writes one advisory in the RustSec format into a database directory.
func writeAdvisory(t *testing.T, db, id, crate, extra string) {
	t.Helper()
	dir := filepath.Join(db, "crates", crate)
	os.MkdirAll(dir, 0o755)
	body := "```toml\n[advisory]\nid = \"" + id + "\"\npackage = \"" + crate + "\"\ndate = \"2099-01-01\"\n" + extra + "\n```\n\n# Test advisory " + id + "\n"
	if err := os.WriteFile(filepath.Join(dir, id+".md"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
}

// testDB is a database about the crates the binary fixtures embed: itoa on Windows only, ryu on aarch64 only,
// serde everywhere (patched in a version after the fixtures'), syn (a proc-macro's dependency: build-only),
// serde_json unmaintained, and an advisory about a version older than the fixtures' (fixed in them).
func testDB(t *testing.T) string {
	db := t.TempDir()
	writeAdvisory(t, db, "RUSTSEC-2099-0101", "itoa", "[affected]\nos = [\"windows\"]\n[versions]\npatched = [\">= 9.0.0\"]")
	writeAdvisory(t, db, "RUSTSEC-2099-0102", "ryu", "[affected]\narch = [\"aarch64\"]\n[versions]\npatched = [\">= 9.0.0\"]")
	writeAdvisory(t, db, "RUSTSEC-2099-0103", "serde", "aliases = [\"CVE-2099-0103\"]\ncvss = \"CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:H\"\n[versions]\npatched = [\">= 1.0.153\"]")
	writeAdvisory(t, db, "RUSTSEC-2099-0104", "syn", "[versions]\npatched = [\">= 2.0.0\"]")
	writeAdvisory(t, db, "RUSTSEC-2099-0105", "serde_json", "informational = \"unmaintained\"\n[versions]\npatched = []")
	writeAdvisory(t, db, "RUSTSEC-2099-0106", "quote", "[versions]\npatched = [\">= 1.0.0\"]\nunaffected = [\"< 0.5.0\"]")
	return db
}

type auditJSON struct {
	Reports []struct {
		Subject  string `json:"subject"`
		Findings []struct {
			Advisory struct {
				ID string `json:"id"`
			} `json:"advisory"`
			Crate   string `json:"crate"`
			Version string `json:"version"`
			Scope   string `json:"scope"`
			Status  string `json:"status"`
			Reason  string `json:"reason"`
		} `json:"findings"`
	} `json:"reports"`
}

// verdictsOf reads an audit's JSON into "ID crate@version scope status" lines, sorted.
func verdictsOf(t *testing.T, data []byte) []string {
	t.Helper()
	var out auditJSON
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatalf("audit JSON: %v\n%s", err, data)
	}
	var lines []string
	for _, r := range out.Reports {
		for _, f := range r.Findings {
			lines = append(lines, f.Advisory.ID+" "+f.Crate+"@"+f.Version+" "+f.Scope+" "+f.Status)
		}
	}
	sort.Strings(lines)
	return lines
}

// Target awareness on real binaries of five targets: the Windows-only advisory applies to the PE files only, the
// aarch64-only one to the aarch64 binaries (a universal Mach-O included); the build-only crate is apart, the
// unmaintained one a warning, and the patched one fixed. Exit 5 for every binary: serde is vulnerable in all.
func TestAuditTargets(t *testing.T) {
	db := testDB(t)
	common := []string{
		"RUSTSEC-2099-0103 serde@1.0.152 runtime affected",
		"RUSTSEC-2099-0104 syn@1.0.107 build affected",
		"RUSTSEC-2099-0105 serde_json@1.0.87 runtime affected",
		"RUSTSEC-2099-0106 quote@1.0.21 build fixed",
	}
	for bin, want := range map[string][2]string{
		"x86_64-linux.elf":       {"not_affected", "not_affected"},
		"aarch64-linux.elf":      {"not_affected", "affected"},
		"x86_64-windows.exe":     {"affected", "not_affected"},
		"i686-windows.exe":       {"affected", "not_affected"},
		"x86_64-darwin.macho":    {"not_affected", "not_affected"},
		"universal-darwin.macho": {"not_affected", "affected"},
		"wasm32.wasm":            {"not_affected", "not_affected"},
	} {
		t.Run(bin, func(t *testing.T) {
			res := runCLI(t, nil, "", "audit", filepath.Join(binFixtures, bin), "--db", db, "-o", "json")
			if res.code != exitVulnerable {
				t.Fatalf("exit %d, want 5: %s", res.code, res.stderr)
			}
			got := verdictsOf(t, []byte(res.stdout))
			exp := append([]string{
				"RUSTSEC-2099-0101 itoa@1.0.1 runtime " + want[0],
				"RUSTSEC-2099-0102 ryu@1.0.2 runtime " + want[1],
			}, common...)
			sort.Strings(exp)
			if strings.Join(got, "\n") != strings.Join(exp, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(exp, "\n"))
			}
		})
	}
}

// The same crates give the same findings whatever they are read from: the binary, an archive holding it, a
// directory holding it, and its SBOMs in every format ferroseal writes. A Cargo.lock (every platform, no scopes)
// and syft's SBOM (runtime crates only) find the same advisories, scoped as far as they can tell. The outputs are
// what their schemas and libraries accept, and reproducible.
func TestAuditSameFindingsEverywhere(t *testing.T) {
	db := testDB(t)
	dir := t.TempDir()
	bin := filepath.Join(dir, "ws-app")
	os.WriteFile(bin, mustRead(t, filepath.Join(binFixtures, "x86_64-linux.elf")), 0o755)
	tarball := filepath.Join(dir, "ws-app.tar.gz")
	if out, err := exec.Command("tar", "czf", tarball, "-C", dir, "ws-app").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	only := filepath.Join(dir, "only")
	os.MkdirAll(only, 0o755)
	os.WriteFile(filepath.Join(only, "ws-app"), mustRead(t, bin), 0o755)

	audit := func(arg string) []string {
		t.Helper()
		res := runCLI(t, nil, "", "audit", arg, "--db", db, "-o", "json")
		if res.code != exitVulnerable {
			t.Fatalf("audit %s: exit %d: %s", arg, res.code, res.stderr)
		}
		return verdictsOf(t, []byte(res.stdout))
	}
	want := audit(bin)
	if len(want) != 6 {
		t.Fatalf("binary: %v", want)
	}
	inputs := []string{tarball, only}
	for _, f := range []string{"cyclonedx-json", "cyclonedx-xml", "spdx-json", "spdx-tag-value", "spdx3-json"} {
		p := filepath.Join(dir, "ws-app."+f)
		if res := runCLI(t, nil, "", "sbom", bin, "-o", f+"="+p); res.code != 0 {
			t.Fatalf("sbom %s: %s", f, res.stderr)
		}
		inputs = append(inputs, p)
	}
	for _, in := range inputs {
		if got := audit(in); strings.Join(got, "\n") != strings.Join(want, "\n") {
			t.Errorf("%s:\n%s\nwant (as from the binary)\n%s", filepath.Base(in), strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}

	// A Cargo.lock knows neither the target nor the scopes: every advisory, none excluded, all "runtime".
	lock := audit(filepath.Join(testenv.RepoRoot(t), "examples", "workspace", "Cargo.lock"))
	for _, id := range []string{"RUSTSEC-2099-0101", "RUSTSEC-2099-0102", "RUSTSEC-2099-0103", "RUSTSEC-2099-0104"} {
		if !strings.Contains(strings.Join(lock, "\n"), id+" ") {
			t.Errorf("Cargo.lock: no %s in %v", id, lock)
		}
	}

	// syft's SBOM of the same binary: its crates, its verdicts (no target, no build crates).
	{
		syft := testenv.Tool(t, "syft")
		out, err := exec.Command(syft, "scan", "file:"+bin, "-o", "cyclonedx-json", "-q").Output()
		if err != nil {
			t.Fatalf("syft: %v", err)
		}
		p := filepath.Join(dir, "syft.cdx.json")
		os.WriteFile(p, out, 0o644)
		got := strings.Join(audit(p), "\n")
		if !strings.Contains(got, "RUSTSEC-2099-0103 serde@1.0.152 runtime affected") || !strings.Contains(got, "RUSTSEC-2099-0101 itoa@1.0.1 runtime affected") {
			t.Errorf("syft's SBOM:\n%s", got)
		}
	}

	// Every output, twice: the same bytes; each accepted by its consumer.
	env := map[string]string{"SOURCE_DATE_EPOCH": "1767225600"}
	outputs := func(run string) map[string][]byte {
		args := []string{"audit", bin, "--db", db}
		files := map[string]string{}
		for _, f := range []string{"json", "sarif", "openvex", "cyclonedx-vex", "table", "vulns"} {
			files[f] = filepath.Join(dir, run+"."+f)
			args = append(args, "-o", f+"="+files[f])
		}
		if res := runCLI(t, env, "", args...); res.code != exitVulnerable {
			t.Fatalf("audit: %d %s", res.code, res.stderr)
		}
		out := map[string][]byte{}
		for f, p := range files {
			out[f] = mustRead(t, p)
		}
		return out
	}
	first, second := outputs("a"), outputs("b")
	for f := range first {
		if !bytes.Equal(first[f], second[f]) {
			t.Errorf("%s differs between two runs", f)
		}
	}
	doc, err := vex.Parse(first["openvex"])
	if err != nil {
		t.Fatalf("OpenVEX: %v", err)
	}
	sum := sha256.Sum256(mustRead(t, bin))
	statuses := map[string]string{}
	for _, st := range doc.Statements {
		if err := st.Validate(); err != nil {
			t.Errorf("OpenVEX statement %s: %v", st.Vulnerability.Name, err)
		}
		if st.Products[0].Hashes[vex.SHA256] != vex.Hash(hex.EncodeToString(sum[:])) {
			t.Errorf("%s is not bound to the binary's digest", st.Vulnerability.Name)
		}
		statuses[string(st.Vulnerability.Name)] = string(st.Status)
	}
	for id, want := range map[string]string{"RUSTSEC-2099-0101": "not_affected", "RUSTSEC-2099-0103": "affected",
		"RUSTSEC-2099-0104": "not_affected", "RUSTSEC-2099-0106": "fixed"} {
		if statuses[id] != want {
			t.Errorf("OpenVEX %s: %q, want %q", id, statuses[id], want)
		}
	}
	if _, ok := statuses["RUSTSEC-2099-0105"]; ok {
		t.Error("an unmaintained crate is stated as a vulnerability in VEX")
	}
	cdxPath := filepath.Join(dir, "a.cyclonedx-vex")
	vexFile := filepath.Join(dir, "vex.cdx.json")
	os.WriteFile(vexFile, mustRead(t, cdxPath), 0o644)
	testenv.ValidateSBOM(t, vexFile)
	validateSARIF(t, first["sarif"])

	// The in-toto vulns predicate, read by the in-toto attestation library's own type.
	var scan vulns.Vulns
	if err := protojson.Unmarshal(first["vulns"], &scan); err != nil {
		t.Fatalf("vulns predicate: %v", err)
	}
	if r := scan.GetScanner().GetResult(); len(r) != 1 || r[0].GetId() != "RUSTSEC-2099-0103" || scan.GetScanner().GetDb().GetLastUpdate() == nil {
		t.Errorf("vulns predicate: %v", &scan)
	}
}

// validateSARIF checks a SARIF log against the SARIF 2.1.0 JSON schema, when the tools script installed it.
func validateSARIF(t *testing.T, data []byte) {
	t.Helper()
	var log struct {
		Version string `json:"version"`
		Runs    []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID string `json:"id"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex int    `json:"ruleIndex"`
				Level     string `json:"level"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &log); err != nil || log.Version != "2.1.0" || len(log.Runs) != 1 {
		t.Fatalf("SARIF: %v", err)
	}
	for _, r := range log.Runs[0].Results {
		if r.RuleIndex >= len(log.Runs[0].Tool.Driver.Rules) || log.Runs[0].Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s points at rule %d", r.RuleID, r.RuleIndex)
		}
	}
	// go-sarif reads the log into the SARIF 2.1.0 object model and validates that against the specification's
	// JSON schema (which it embeds).
	rep, err := sarif.FromBytes(data)
	if err != nil {
		t.Fatalf("go-sarif cannot read the log: %v", err)
	}
	// Its model writes back two empty values our log does not hold ("language": "", "newlineSequences": []),
	// which the schema rejects: those two findings are the model's, not the log's.
	if bytes.Contains(data, []byte(`"language"`)) || bytes.Contains(data, []byte(`"newlineSequences"`)) {
		t.Fatal("the log holds language or newlineSequences")
	}
	if err := rep.Validate(); err != nil {
		for _, line := range strings.Split(err.Error(), "\n") {
			line = strings.Trim(line, "[] ")
			if line == "" || strings.Contains(line, ".language: Does not match pattern") || strings.Contains(line, "newlineSequences: Array must have at least 1 items") {
				continue
			}
			t.Errorf("SARIF 2.1.0 schema: %s", line)
		}
	}
}

// An ignore file in cargo-audit's form records each decision as not_affected with its reason; when every
// vulnerability is ignored the audit passes. Bad lists are usage errors.
func TestAuditIgnore(t *testing.T) {
	db := testDB(t)
	dir := t.TempDir()
	cfg := filepath.Join(dir, "audit.toml")
	os.WriteFile(cfg, []byte("[advisories]\nignore = [\"CVE-2099-0103\", { id = \"RUSTSEC-2099-0101\", reason = \"never built for Windows\" }]\n"), 0o644)
	bin := filepath.Join(binFixtures, "x86_64-windows.exe")
	res := runCLI(t, nil, "", "audit", bin, "--db", db, "--ignore-file", cfg, "-o", "openvex")
	if res.code != 0 {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	doc, err := vex.Parse([]byte(res.stdout))
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, st := range doc.Statements {
		reasons[string(st.Vulnerability.Name)] = string(st.Status) + ": " + st.ImpactStatement
	}
	if reasons["RUSTSEC-2099-0101"] != "not_affected: never built for Windows" || !strings.HasPrefix(reasons["RUSTSEC-2099-0103"], "not_affected: ignored in audit.toml") {
		t.Errorf("statements %v", reasons)
	}
	if res := runCLI(t, nil, "", "audit", bin, "--db", db, "--deny", "warnings", "--ignore", "RUSTSEC-2099-0103", "--ignore", "RUSTSEC-2099-0101"); res.code != exitVulnerable {
		t.Errorf("--deny warnings with an unmaintained crate: exit %d", res.code)
	}
	os.WriteFile(cfg, []byte("[advisories]\nignore = [42]\n"), 0o644)
	if res := runCLI(t, nil, "", "audit", bin, "--db", db, "--ignore-file", cfg); res.code != exitUsage {
		t.Errorf("a bad ignore list: exit %d: %s", res.code, res.stderr)
	}
	for _, args := range [][]string{{"-o", "html"}, {"--deny", "everything"}, {"--db-sha256", "00"}} {
		if res := runCLI(t, nil, "", append([]string{"audit", bin, "--db", db}, args...)...); res.code != exitUsage {
			t.Errorf("%v: exit %d", args, res.code)
		}
	}
	if res := runCLI(t, nil, "", "audit", bin, "--db", dir); res.code != exitError || !strings.Contains(res.stderr, "no advisory database") {
		t.Errorf("no database: exit %d: %s", res.code, res.stderr)
	}
}

// --fetch downloads the database (a tarball as GitHub serves one, from a server on this machine), refuses one that
// is not the pinned digest without touching the database in place, and audits with what it fetched.
func TestAuditFetch(t *testing.T) {
	src := testDB(t)
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	filepath.Walk(src, func(p string, info os.FileInfo, err error) error {
		rel, _ := filepath.Rel(src, p)
		name := "advisory-db-main/" + filepath.ToSlash(rel)
		if info.IsDir() {
			return tw.WriteHeader(&tar.Header{Name: name + "/", Typeflag: tar.TypeDir, Mode: 0o755})
		}
		data, _ := os.ReadFile(p)
		tw.WriteHeader(&tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))})
		_, err = tw.Write(data)
		return err
	})
	tw.WriteHeader(&tar.Header{Name: "advisory-db-main/escape", Typeflag: tar.TypeSymlink, Linkname: "/etc/passwd"})
	tw.Close()
	gz.Close()
	tarball := buf.Bytes()
	sum := sha256.Sum256(tarball)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write(tarball) }))
	defer srv.Close()

	db := filepath.Join(t.TempDir(), "advisory-db")
	bin := filepath.Join(binFixtures, "x86_64-linux.elf")
	res := runCLI(t, nil, "", "audit", bin, "--db", db, "--fetch", "--db-url", srv.URL+"/main.tar.gz", "--db-sha256", strings.Repeat("0", 64))
	if res.code != exitError || !strings.Contains(res.stderr, "pinned digest") {
		t.Errorf("a wrong digest: exit %d: %s", res.code, res.stderr)
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a refused download left a database")
	}
	res = runCLI(t, nil, "", "audit", bin, "--db", db, "--fetch", "--db-url", srv.URL+"/main.tar.gz", "--db-sha256", hex.EncodeToString(sum[:]), "-o", "json")
	if res.code != exitVulnerable {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if got := verdictsOf(t, []byte(res.stdout)); len(got) != 6 {
		t.Errorf("findings with the fetched database: %v", got)
	}
	if _, err := os.Lstat(filepath.Join(db, "escape")); err == nil {
		t.Error("a symlink from the tarball was unpacked")
	}
	if res := runCLI(t, nil, "", "audit", bin, "--db", db, "--fetch", "--db-url", "http://example.com/db.tar.gz"); res.code == 0 || !strings.Contains(res.stderr, "HTTPS") {
		t.Errorf("plain HTTP to another host: exit %d: %s", res.code, res.stderr)
	}
}

// RustSec's test binary (from cargo-audit's test support files) embeds rustsec-example-crate 0.0.1, which the real
// database marks vulnerable (RUSTSEC-2019-0024): ferroseal reports exactly that.
func TestAuditRealDatabase(t *testing.T) {
	shared := filepath.Dir(testenv.SharedFixtures(t))
	res := runCLI(t, nil, "", "audit", filepath.Join(shared, "real", "rustsec-binary-with-vuln"), "--db", filepath.Join(shared, "advisory-db"), "-o", "json")
	if res.code != exitVulnerable {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	if got := verdictsOf(t, []byte(res.stdout)); len(got) != 1 || got[0] != "RUSTSEC-2019-0024 rustsec-example-crate@0.0.1 runtime affected" {
		t.Errorf("findings %v", got)
	}
	res = runCLI(t, nil, "", "audit", filepath.Join(shared, "real", "rustsec-binary-without-audit-info"), "--db", filepath.Join(shared, "advisory-db"))
	if res.code != exitNotAuditable {
		t.Errorf("a binary without data: exit %d: %s", res.code, res.stderr)
	}
	// Without embedded data, --heuristic audits the crates whose registry paths the binary carries (chrono and
	// time in RustSec's panic-strings test binary), each with its advisory.
	res = runCLI(t, nil, "", "audit", filepath.Join(shared, "real", "rustsec-binary-with-vuln-panic"), "--db", filepath.Join(shared, "advisory-db"), "--heuristic", "-o", "json")
	if res.code != exitVulnerable {
		t.Fatalf("--heuristic: exit %d: %s", res.code, res.stderr)
	}
	got := strings.Join(verdictsOf(t, []byte(res.stdout)), "\n")
	for _, want := range []string{"RUSTSEC-2020-0071 time@0.1.44 runtime affected", "RUSTSEC-2020-0159 chrono@0.4.19 runtime affected"} {
		if !strings.Contains(got, want) {
			t.Errorf("--heuristic: no %s in\n%s", want, got)
		}
	}
}

// release --audit publishes the audit as signed OpenVEX; verify --deny-advisories fails an artifact with a
// vulnerability that no verified statement waives, and passes when the release's own signed VEX records the
// decision (an ignore file's reason). An OpenVEX file lying next to the artifact, unsigned, waives nothing.
func TestReleaseAuditAndVerifyGate(t *testing.T) {
	db := testDB(t)
	dir := t.TempDir()
	key, pub := keygen(t, dir, "ecdsa-p256")
	rel := filepath.Join(dir, "dist")
	os.MkdirAll(rel, 0o755)
	app := filepath.Join(rel, "app")
	os.WriteFile(app, mustRead(t, filepath.Join(binFixtures, "x86_64-linux.elf")), 0o755)

	res := runCLI(t, pwEnv, "", "release", rel, "--key", key, "--no-provenance", "--audit", "--db", db, "--export-dsse")
	if res.code != 0 {
		t.Fatalf("release --audit: %s", res.stderr)
	}
	doc, err := vex.Parse(mustRead(t, filepath.Join(rel, "app.openvex.json")))
	if err != nil {
		t.Fatal(err)
	}
	if len(doc.Statements) != 5 {
		t.Errorf("%d statements, want 5 (itoa, ryu and syn not affected, serde affected, quote fixed)", len(doc.Statements))
	}
	if id := doc.Statements[0].Products[0].ID; !strings.HasPrefix(id, "pkg:generic/app@0.3.1?checksum=sha256:") {
		t.Errorf("product %s: not the artifact's purl", id)
	}
	if !strings.Contains(string(mustRead(t, filepath.Join(rel, "SHA256SUMS"))), "app.openvex.json") {
		t.Error("SHA256SUMS does not list the OpenVEX document")
	}
	if _, err := os.Stat(filepath.Join(rel, "app.openvex.dsse.json")); err != nil {
		t.Error(err)
	}
	res = runCLI(t, nil, "", "verify", app, "--key", pub, "--type", "openvex", "--deny-advisories", "--db", db)
	if res.code != exitVerifyFailed || !strings.Contains(res.stderr, "RUSTSEC-2099-0103 in serde 1.0.152") || strings.Contains(res.stderr, "RUSTSEC-2099-0101") {
		t.Errorf("verify --deny-advisories: exit %d: %s", res.code, res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", app, "--key", pub, "--type", "openvex"); res.code != 0 {
		t.Errorf("without the gate: exit %d: %s", res.code, res.stderr)
	}

	// The decision, recorded by the release and signed: the gate opens.
	cfg := filepath.Join(dir, "audit.toml")
	os.WriteFile(cfg, []byte("[advisories]\nignore = [{ id = \"RUSTSEC-2099-0103\", reason = \"no untrusted input reaches serde\" }]\n"), 0o644)
	res = runCLI(t, pwEnv, "", "release", rel, "--key", key, "--no-provenance", "--audit", "--db", db, "--ignore-file", cfg)
	if res.code != 0 {
		t.Fatalf("release: %s", res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", app, "--key", pub, "--deny-advisories", "--db", db); res.code != 0 {
		t.Errorf("with the signed decision: exit %d: %s", res.code, res.stderr)
	}

	// The same decision in a file nobody signed: not evidence.
	res = runCLI(t, pwEnv, "", "release", rel, "--key", key, "--no-provenance", "--audit", "--db", db)
	if res.code != 0 {
		t.Fatalf("release: %s", res.stderr)
	}
	res = runCLI(t, nil, "", "audit", app, "--db", db, "--ignore", "RUSTSEC-2099-0103", "-o", "openvex="+filepath.Join(rel, "app.openvex.json"))
	if res.code != 0 {
		t.Fatalf("audit: %s", res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", app, "--key", pub, "--deny-advisories", "--db", db); res.code != exitVerifyFailed {
		t.Errorf("an unsigned VEX file waived a vulnerability: exit %d: %s", res.code, res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", app, "--key", pub, "--db", db); res.code != exitUsage {
		t.Errorf("--db without --deny-advisories: exit %d", res.code)
	}
}

// What Rust projects ship besides bare binaries, made by the real tools: an .xz archive and a .deb of the x86_64
// binary, a container image (docker-archive and OCI archive) holding the aarch64 one, and a directory of them all.
// Each is audited for the binaries inside it, with their own targets: the aarch64-only advisory applies to the
// image alone.
func TestAuditShippedForms(t *testing.T) {
	dist := containerRelease(t)
	db := testDB(t)
	ryu := func(args ...string) map[string]string {
		t.Helper()
		res := runCLI(t, nil, "", append(append([]string{"audit"}, args...), "--db", db, "-o", "json")...)
		if res.code != exitVulnerable {
			t.Fatalf("audit %v: exit %d: %s", args, res.code, res.stderr)
		}
		var out auditJSON
		json.Unmarshal([]byte(res.stdout), &out)
		got := map[string]string{}
		for _, r := range out.Reports {
			for _, f := range r.Findings {
				if f.Crate == "ryu" {
					got[filepath.Base(r.Subject)] = f.Status
				}
			}
		}
		return got
	}
	for name, want := range map[string]string{
		"app-x86_64-linux.tar.xz": "not_affected",
		"app_1.2.0_amd64.deb":     "not_affected",
		"app-image.tar":           "affected",
		"app-oci.tar":             "affected",
	} {
		if got := ryu(filepath.Join(dist, name)); len(got) != 1 || got[name] != want {
			t.Errorf("%s: aarch64-only advisory %v, want %s", name, got, want)
		}
	}
	all := ryu(dist)
	if all["app-image.tar"] != "affected" || all["app_1.2.0_amd64.deb"] != "not_affected" {
		t.Errorf("the directory: %v", all)
	}
}
