package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/testenv"
)

// Tests of the newcomer's path: a release never silently weaker than asked, commands that agree, errors that name
// the fix. The README's quick starts and the provenance --help flow are run in readme_test.go.

// TestStatementSignedAsPredicateIsReported: a provenance statement wrapped whole as the predicate of another (what
// attest --predicate made of provenance's output before it signed statements as they are) is reported as such, not
// as an empty builder.
func TestStatementSignedAsPredicateIsReported(t *testing.T) {
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	key, pub := keygen(t, dir, "ecdsa-p256")
	d, _ := attest.DigestFile(art, "sha256")
	inner, _ := attest.NewStatement([]attest.Subject{{Name: "app", Digest: d}}, attest.PredicateSLSAProvenance1,
		[]byte(`{"buildDefinition":{"buildType":"https://example.com/t"},"runDetails":{"builder":{"id":"https://example.com/b"}}}`))
	innerJSON, _ := inner.Bytes()
	outer, _ := attest.NewStatement([]attest.Subject{{Name: "app", Digest: d}}, attest.PredicateSLSAProvenance1, innerJSON)
	kp, err := attest.LoadPrivateKey(context.Background(), key, func(bool) ([]byte, error) { return []byte("pw"), nil })
	if err != nil {
		t.Fatal(err)
	}
	b, err := attest.Sign(context.Background(), outer, attest.SignOptions{Keypair: kp})
	if err != nil {
		t.Fatal(err)
	}
	bundle := writeFile(t, dir, "nested.sigstore.json", string(b))
	res := runCLI(t, nil, "", "verify", art, "--key", pub, "--bundle", bundle, "--type", "slsaprovenance1")
	assertCleanFailure(t, res, exitVerifyFailed, "", "whole in-toto statement")
}

// TestBuildRecordHandoffIsLoud: release says which provenance it used and why; a build record lying in the
// directory (ferroseal build --key writes provenance.sigstore.json) is named, with the flag that would use it;
// given, it is verified and used.
func TestBuildRecordHandoffIsLoud(t *testing.T) {
	examples := testenv.Cargo(t)
	work := t.TempDir()
	dist := filepath.Join(work, "dist")
	os.MkdirAll(dist, 0o755)
	app := copyFixture(t, "x86_64-linux.elf", dist, "app")
	key, pub := keygen(t, work, "ecdsa-p256")
	t.Chdir(work)
	stmt := filepath.Join(work, "p.json")
	runCLI(t, nil, "", "provenance", app, "--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml"), "--provenance", stmt)
	if res := runCLI(t, pwEnv, "", "attest", app, "--key", key, "--type", "slsaprovenance1", "--predicate", stmt,
		"--bundle", "provenance.sigstore.json"); res.code != 0 {
		t.Fatal(res.stderr)
	}
	res := runCLI(t, pwEnv, "", "release", dist, "--key", key)
	if res.code != 0 || !strings.Contains(res.stderr, "provenance.sigstore.json in the current directory is not used: pass --provenance provenance.sigstore.json") ||
		!strings.Contains(res.stderr, "provenance: none") {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
	res = runCLI(t, pwEnv, "", "release", dist, "--key", key, "--provenance", "provenance.sigstore.json")
	if res.code != 0 || !strings.Contains(res.stderr, "verified as signed by this release's signer") {
		t.Fatalf("exit %d, stderr %q", res.code, res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", app, "--key", pub, "--type", "slsaprovenance1"); res.code != 0 {
		t.Errorf("the released provenance does not verify: %s", res.stderr)
	}
}

// TestReleaseAttestsJSONForms: asked for XML and tag-value only, release writes and attests the JSON form too
// (predicates are JSON), so every artifact has its signed SBOMs even without provenance.
func TestReleaseAttestsJSONForms(t *testing.T) {
	dir := t.TempDir()
	app := copyFixture(t, "x86_64-linux.elf", dir, "app")
	key, pub := keygen(t, t.TempDir(), "ecdsa-p256")
	res := runCLI(t, pwEnv, "", "release", dir, "--key", key, "-o", "cyclonedx-xml", "-o", "spdx-tag-value", "--no-provenance")
	if res.code != 0 || !strings.Contains(res.stderr, "also writing cyclonedx-json") {
		t.Fatalf("exit %d: %s", res.code, res.stderr)
	}
	for _, f := range []string{"app.cdx.xml", "app.spdx", "app.cdx.json", "app.spdx.json"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Error(err)
		}
	}
	if res := runCLI(t, nil, "", "verify", app, "--key", pub, "--type", "cyclonedx", "--type", "spdx", "--check-sbom"); res.code != 0 {
		t.Errorf("verify: %s", res.stderr)
	}
}

// TestReleaseNotAuditableChoices: one helper binary without cargo-auditable data does not have to fail a release,
// and the error names the choices, flags release has.
func TestReleaseNotAuditableChoices(t *testing.T) {
	examples := testenv.Cargo(t)
	key, pub := keygen(t, t.TempDir(), "ecdsa-p256")
	release := func(choice ...string) (string, cliResult) {
		dir := t.TempDir()
		copyFixture(t, "x86_64-linux.elf", dir, "app")
		copyFixture(t, "no-section.elf", dir, "helper")
		args := append([]string{"release", dir, "--key", key}, choice...)
		return dir, runCLI(t, pwEnv, "", args...)
	}
	_, res := release()
	assertFails(t, res, exitNotAuditable, "helper", "--if-not-auditable skip|heuristic|provenance-only")
	dir, res := release("--if-not-auditable", "skip", "--no-provenance")
	sums := string(mustRead(t, filepath.Join(dir, "SHA256SUMS")))
	if res.code != 0 || strings.Contains(sums, "helper") || !strings.Contains(res.stderr, "left out of the release") {
		t.Errorf("skip: exit %d, %s\n%s", res.code, res.stderr, sums)
	}
	dir, res = release("--if-not-auditable", "heuristic", "--no-provenance")
	if res.code != 0 || !strings.Contains(string(mustRead(t, filepath.Join(dir, "helper.cdx.json"))), "incomplete") {
		t.Errorf("heuristic: exit %d, %s", res.code, res.stderr)
	}
	_, res = release("--if-not-auditable", "provenance-only", "--no-provenance")
	assertFails(t, res, exitError, "helper has no SBOM and no provenance covers it")
	dir, res = release("--if-not-auditable", "provenance-only", "--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml"))
	if res.code != 0 {
		t.Fatalf("provenance-only: %s", res.stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "helper.cdx.json")); err == nil {
		t.Error("provenance-only wrote an SBOM")
	}
	if res := runCLI(t, nil, "", "verify", filepath.Join(dir, "helper"), "--key", pub, "--type", "slsaprovenance1"); res.code != 0 {
		t.Errorf("helper's provenance: %s", res.stderr)
	}
}

// TestFlagsNamedInErrorsExist: every flag an error message names is a flag of the command that printed it.
func TestFlagsNamedInErrorsExist(t *testing.T) {
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	helper := copyFixture(t, "no-section.elf", dir, "helper")
	key, pub := keygen(t, dir, "ecdsa-p256")
	runs := [][]string{
		{"release", helper, "--key", key},
		{"sbom", helper},
		{"inspect", helper},
		{"attest", helper, "--key", key, "--type", "cyclonedx"},
		{"attest", art, "--type", "slsaprovenance1", "--key", key},
		{"attest", art, "--type", "cyclonedx"},
		{"attest", art, art, "--key", key, "--type", "cyclonedx", "--bundle", "x.json"},
		{"verify", art},
		{"verify", art, "--key", pub},
		{"verify", art, "--key", pub, "--certificate-identity", "x"},
		{"verify", art, "--certificate-identity", "x"},
		{"verify", art, "--key", pub, "--source-uri", "github.com"},
		{"verify", art, "--key", pub, "--sourc-uri", "x"},
		{"sbom", "--lockfile", "Cargo.lock", "--features", "x"},
		{"sbom", art, "--target", "x"},
		{"sbom", art, "-o", "spdx"},
		{"sbom", filepath.Join(dir, "Cargo.toml")},
		{"keygen", "--algorithm", "dsa"},
	}
	flagRe := regexp.MustCompile(`--[a-z][a-z0-9-]+`)
	otherCmdRe := regexp.MustCompile("ferroseal ([a-z]+)[^;:.]*$")
	for _, args := range runs {
		res := runCLI(t, map[string]string{"FERROSEAL_PASSWORD": "pw"}, "", args...)
		if res.code == 0 {
			t.Errorf("%v succeeded", args)
			continue
		}
		cmd, _, err := newApp(nil, nil, nil, os.LookupEnv).rootCommand().Find(args)
		if err != nil {
			t.Fatal(err)
		}
		for _, at := range flagRe.FindAllStringIndex(res.stderr, -1) {
			flag := res.stderr[at[0]:at[1]]
			// A flag quoted with its command ("ferroseal sbom --heuristic") is that command's.
			owner := cmd
			if m := otherCmdRe.FindStringSubmatch(res.stderr[max(0, at[0]-80):at[0]]); m != nil {
				if c, _, err := newApp(nil, nil, nil, os.LookupEnv).rootCommand().Find([]string{m[1]}); err == nil {
					owner = c
				}
			}
			if f := owner.Flags().Lookup(strings.TrimPrefix(flag, "--")); f == nil || f.Deprecated != "" {
				if args[len(args)-2] == "--sourc-uri" && flag == "--sourc-uri" {
					continue // the unknown flag itself, quoted
				}
				t.Errorf("ferroseal %s names %s, which %s does not have: %s", strings.Join(args, " "), flag, owner.Name(), res.stderr)
			}
		}
	}
}

// TestCommandsAgree: -o is a format everywhere, the old spellings warn, ambiguous format names are refused,
// unknown flags get a suggestion, keygen into a directory writes named files.
func TestCommandsAgree(t *testing.T) {
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	key, pub := keygen(t, dir, "ecdsa-p256")
	if res := runCLI(t, pwEnv, "", "attest", art, "--key", key, "--type", "cyclonedx", "--bundle", filepath.Join(dir, "b.json")); res.code != 0 {
		t.Fatal(res.stderr)
	}
	res := runCLI(t, pwEnv, "", "attest", art, "--key", key, "--type", "cyclonedx", "-o", filepath.Join(dir, "old.json"))
	if res.code != 0 || !strings.Contains(res.stderr, "--output is deprecated: use --bundle FILE") {
		t.Errorf("attest -o: exit %d, %q", res.code, res.stderr)
	}
	result := filepath.Join(dir, "result.json")
	if res := runCLI(t, nil, "", "verify", art, "--key", pub, "--bundle", filepath.Join(dir, "b.json"), "-o", "json="+result); res.code != 0 || res.stdout != "" {
		t.Errorf("verify -o json=FILE: exit %d, stdout %q", res.code, res.stdout)
	}
	var r attest.Result
	if err := json.Unmarshal(mustRead(t, result), &r); err != nil || !r.Verified {
		t.Errorf("the JSON result file: %v %+v", err, r)
	}
	assertCleanFailure(t, runCLI(t, nil, "", "sbom", art, "-o", "spdx"), exitUsage, "", "spdx-json", "spdx-tag-value")
	if res := runCLI(t, nil, "", "sbom", art, "-o", "cdx"); res.code != 0 {
		t.Errorf("-o cdx: %s", res.stderr)
	}
	assertCleanFailure(t, runCLI(t, nil, "", "verify", art, "--certificate-identy", "x"), exitUsage, "", "did you mean --certificate-identity?")
	keys := filepath.Join(dir, "keys") + "/"
	os.MkdirAll(keys, 0o755)
	if res := runCLI(t, pwEnv, "", "keygen", "--output-key-prefix", keys); res.code != 0 {
		t.Fatal(res.stderr)
	}
	for _, f := range []string{"ferroseal.key", "ferroseal.pub"} {
		if _, err := os.Stat(filepath.Join(keys, f)); err != nil {
			t.Error(err)
		}
	}
}

// TestErrorsNameTheFix: each usual mistake gets an error that says what is wrong and what to do.
func TestErrorsNameTheFix(t *testing.T) {
	examples := testenv.Cargo(t)
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	key, _ := keygen(t, dir, "ecdsa-p256")
	_, otherPub := keygen(t, dir, "ecdsa-p384")
	if res := runCLI(t, pwEnv, "", "attest", art, "--key", key, "--type", "cyclonedx"); res.code != 0 {
		t.Fatal(res.stderr)
	}
	assertCleanFailure(t, runCLI(t, nil, "", "verify", art, "--key", otherPub), exitVerifyFailed, "", "signed with another key", "key id")
	assertCleanFailure(t, runCLI(t, map[string]string{"FERROSEAL_PASSWORD": "nope"}, "", "attest", art, "--key", key, "--type", "spdx"),
		exitError, "", "wrong password")
	assertCleanFailure(t, runCLI(t, nil, "", "verify", dir, "--key", otherPub), exitUsage, "", "is a directory")
	// No bundle next to the artifact: a failed verification, exit 3.
	bare := copyFixture(t, "x86_64-linux.elf", t.TempDir(), "bare")
	assertCleanFailure(t, runCLI(t, nil, "", "verify", bare, "--key", otherPub), exitVerifyFailed, "", "no attestations", "--bundle")
	// Writing to a directory names it, not a temporary file.
	res := runCLI(t, nil, "", "sbom", art, "-o", "cyclonedx-json="+dir)
	assertCleanFailure(t, res, exitError, "", "is a directory")
	if strings.Contains(res.stderr, ".tmp-") {
		t.Errorf("a temporary file name leaks: %s", res.stderr)
	}
	assertCleanFailure(t, runCLI(t, nil, "", "sbom", filepath.Join(examples, "workspace", "Cargo.toml")), exitUsage, "", "--manifest-path")
	res = runCLI(t, nil, "", "sbom", "--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml"), "--offline", "--target", "bogus")
	assertCleanFailure(t, res, exitError, "", `could not find specification for target "bogus"`)
	// An empty directory is its own error, not "carries no data".
	assertCleanFailure(t, runCLI(t, nil, "", "sbom", t.TempDir()), exitError, "", "no binaries or release archives")
	// The heuristic finding nothing says so.
	res = runCLI(t, nil, "", "sbom", copyFixture(t, "no-section.elf", t.TempDir(), "plain"), "--heuristic")
	if res.code != 0 || !strings.Contains(res.stderr, "the heuristic found no crate") {
		t.Errorf("heuristic with no crate: exit %d, %q", res.code, res.stderr)
	}
}

// TestVerifyOutputFitsAndNamesTheSubject: the text result fits the terminal's width, and a file verified under
// another name than the one it was signed as is called out.
func TestVerifyOutputFitsAndNamesTheSubject(t *testing.T) {
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app-1.2.0-x86_64-unknown-linux-gnu-with-a-long-name")
	key, pub := keygen(t, dir, "ecdsa-p256")
	if res := runCLI(t, pwEnv, "", "attest", art, "--key", key, "--type", "cyclonedx"); res.code != 0 {
		t.Fatal(res.stderr)
	}
	res := runCLI(t, map[string]string{"COLUMNS": "60"}, "", "verify", art, "--key", pub)
	if res.code != 0 {
		t.Fatal(res.stderr)
	}
	for _, l := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		if utf8.RuneCountInString(l) > 60 {
			t.Errorf("line of %d characters: %q", utf8.RuneCountInString(l), l)
		}
	}
	// The same bytes under another name: verified, with a warning naming both.
	renamed := filepath.Join(dir, "sibling")
	os.WriteFile(renamed, mustRead(t, art), 0o755)
	res = runCLI(t, nil, "", "verify", renamed, "--key", pub, "--bundle", art+".sigstore.json")
	if res.code != 0 || !strings.Contains(res.stderr, "is about app-1.2.0") || !strings.Contains(res.stderr, "sibling") {
		t.Errorf("exit %d, stderr %q", res.code, res.stderr)
	}
}

// assertFails checks the exit code and that stderr mentions each string; progress lines may come first.
func assertFails(t *testing.T, res cliResult, code int, mention ...string) {
	t.Helper()
	if res.code != code {
		t.Errorf("exit code %d, want %d (stderr %q)", res.code, code, res.stderr)
	}
	for _, m := range mention {
		if !strings.Contains(res.stderr, m) {
			t.Errorf("stderr %q does not mention %q", res.stderr, m)
		}
	}
}
