package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/testenv"
)

// Regression tests for the hostile-input review, one per class of defect; the classes are numbered as in the
// review. Tests that need the Sigstore services are in hardening_keyless_test.go.

// TestEmptyPolicyFlagsRefused (class 2): a policy flag given explicitly with an empty value (an unset variable in a
// CI script) is a usage error, never "no check".
func TestEmptyPolicyFlagsRefused(t *testing.T) {
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	key, pub := keygen(t, dir, "ecdsa-p256")
	if res := runCLI(t, pwEnv, "", "attest", art, "--key", key, "--type", "cyclonedx"); res.code != 0 {
		t.Fatal(res.stderr)
	}
	base := []string{"verify", art, "--key", pub}
	for _, flag := range []string{"--type", "--source-uri", "--source-tag", "--source-ref", "--source-branch", "--builder-id",
		"--build-type", "--bundle", "--trusted-root"} {
		for _, form := range [][]string{{flag, ""}, {flag + "="}} {
			res := runCLI(t, nil, "", append(append([]string{}, base...), form...)...)
			assertCleanFailure(t, res, exitUsage, "", strings.TrimPrefix(flag, "--")+" was given an empty value")
		}
	}
	for _, flag := range []string{"--certificate-identity", "--certificate-oidc-issuer", "--certificate-identity-regexp",
		"--certificate-github-workflow-repository", "--certificate-github-workflow-ref"} {
		res := runCLI(t, nil, "", "verify", art, flag, "")
		assertCleanFailure(t, res, exitUsage, "", "empty value")
	}
	// The same for the commands that sign.
	for _, args := range [][]string{
		{"attest", art, "--key", key, "--type", ""},
		{"release", dir, "--key", key, "--provenance", ""},
		{"build", "--key", "", "--", "true"},
	} {
		assertCleanFailure(t, runCLI(t, pwEnv, "", args...), exitUsage, "", "empty value")
	}
}

// TestSourceURIForms (class 3): a policy source in git's scp form names the same repository as its URLs, and no
// other: it used to be read as the host "git", which accepted provenance from git@anything.
func TestSourceURIForms(t *testing.T) {
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	key, pub := keygen(t, dir, "ecdsa-p256")
	attestProvenance := func(name, uri string) string {
		pred := writeFile(t, dir, name+".json", `{"buildDefinition":{"buildType":"https://ferroseal.dev/buildtypes/cargo/v1",`+
			`"externalParameters":{"source":{"uri":"`+uri+`","ref":"refs/tags/v1.2.0"}}},"runDetails":{"builder":{"id":"https://example.com/builder"}}}`)
		out := filepath.Join(dir, name+".sigstore.json")
		if res := runCLI(t, pwEnv, "", "attest", art, "--key", key, "--type", "slsaprovenance1", "--predicate", pred, "--bundle", out); res.code != 0 {
			t.Fatal(res.stderr)
		}
		return out
	}
	genuine := attestProvenance("genuine", "git+https://github.com/o/r")
	foreign := attestProvenance("foreign", "git@evil.example:o/r")
	check := func(bundle, policy string) int {
		return runCLI(t, nil, "", "verify", art, "--key", pub, "--bundle", bundle, "--source-uri", policy, "--source-tag", "v1.2.0").code
	}
	for _, policy := range []string{"git@github.com:o/r", "github.com/o/r", "https://github.com/o/r.git", "git+https://github.com/o/r"} {
		if code := check(genuine, policy); code != 0 {
			t.Errorf("provenance from github.com/o/r, policy %q: exit %d, want 0", policy, code)
		}
		if code := check(foreign, policy); code != exitVerifyFailed {
			t.Errorf("provenance from git@evil.example:o/r, policy %q: exit %d, want %d", policy, code, exitVerifyFailed)
		}
	}
	for _, policy := range []string{"github.com", "git@github.com:", "/home/me/repo", "git"} {
		res := runCLI(t, nil, "", "verify", art, "--key", pub, "--bundle", genuine, "--source-uri", policy)
		assertCleanFailure(t, res, exitUsage, "", "source URI")
	}
}

// TestBundleStreamedAndBounded (class 14): an .intoto.jsonl is read one line at a time and verification stops at
// the first line that fails, so a huge file behind a bad first line costs nothing; a 20 MB field never becomes a
// 20 MB message.
func TestBundleStreamedAndBounded(t *testing.T) {
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	_, pub := keygen(t, dir, "ecdsa-p256")
	big := filepath.Join(dir, "app.intoto.jsonl")
	f, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString(`{"mediaType":"application/vnd.dev.sigstore.bundle.v0.3+json","garbage":true}` + "\n")
	line := append(bytes.Repeat([]byte("x"), 4<<20), '\n')
	for range 50 { // 200 MiB after the bad line
		f.Write(line)
	}
	f.Close()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	res := runCLI(t, nil, "", "verify", art, "--key", pub)
	runtime.ReadMemStats(&after)
	if res.code != exitVerifyFailed {
		t.Errorf("exit %d, want %d: %s", res.code, exitVerifyFailed, res.stderr)
	}
	if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 64<<20 {
		t.Errorf("allocated %d MiB to refuse a bundle file whose first line is bad", alloc>>20)
	}

	huge := filepath.Join(dir, "huge.sigstore.json")
	os.WriteFile(huge, []byte(`{"mediaType":"`+strings.Repeat("A", 15<<20)+`"}`), 0o644)
	res = runCLI(t, nil, "", "verify", art, "--key", pub, "--bundle", huge)
	if res.code != exitVerifyFailed || len(res.stderr) > 8<<10 || strings.Count(res.stderr, "\n") != 1 {
		t.Errorf("exit %d, %d bytes and %d lines of stderr for a 15 MB mediaType", res.code, len(res.stderr), strings.Count(res.stderr, "\n"))
	}
	res = runCLI(t, nil, "", "verify", art, "--key", pub, "--bundle", huge, "--output", "json")
	if len(res.stdout) > 64<<10 {
		t.Errorf("%d bytes of JSON result for a 15 MB mediaType", len(res.stdout))
	}
}

// TestTerminalInjection (class 9): text from a bundle cannot rewrite the terminal: escape sequences and line breaks
// are shown escaped, on one line.
func TestTerminalInjection(t *testing.T) {
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	_, pub := keygen(t, dir, "ecdsa-p256")
	forged := "\x1b[2K\x1b[1A\rVerified app (sha256:" + strings.Repeat("0", 64) + ")\n"
	b, _ := json.Marshal(map[string]any{"mediaType": forged})
	bundle := writeFile(t, dir, "b.json", string(b))
	res := runCLI(t, nil, "", "verify", art, "--key", pub, "--bundle", bundle)
	if res.code != exitVerifyFailed {
		t.Errorf("exit %d", res.code)
	}
	if strings.ContainsAny(res.stderr, "\x1b\r") || strings.Count(res.stderr, "\n") != 1 || !strings.Contains(res.stderr, `\x1b[2K`) {
		t.Errorf("stderr not escaped to one line: %q", res.stderr)
	}
}

// TestOutputToDevice (class 11): -o FORMAT=PATH where PATH is a device node or a FIFO writes through it and
// leaves it what it was; ferroseal used to rename a regular file over it (as root, over /dev/null).
func TestOutputToDevice(t *testing.T) {
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	null := filepath.Join(dir, "null")
	if err := syscall.Mknod(null, syscall.S_IFCHR|0o666, 1<<8|3); err != nil {
		if os.Getuid() != 0 {
			t.Skipf("mknod needs root: %v", err)
		}
		t.Fatal(err)
	}
	res := runCLI(t, nil, "", "sbom", art, "-o", "cyclonedx-json="+null, "-o", "spdx-json="+filepath.Join(dir, "app.spdx.json"))
	if res.code != 0 {
		t.Fatal(res.stderr)
	}
	if st, _ := os.Lstat(null); st.Mode()&os.ModeCharDevice == 0 {
		t.Errorf("the device node is now %v", st.Mode())
	}
	fifo := filepath.Join(dir, "fifo")
	syscall.Mkfifo(fifo, 0o644)
	got := make(chan []byte, 1)
	go func() { b, _ := os.ReadFile(fifo); got <- b }()
	if res := runCLI(t, nil, "", "sbom", art, "-o", "cyclonedx-json="+fifo); res.code != 0 {
		t.Fatal(res.stderr)
	}
	select {
	case b := <-got:
		if !bytes.Contains(b, []byte(`"bomFormat": "CycloneDX"`)) {
			t.Errorf("the FIFO carried %q", b)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("nothing came through the FIFO")
	}
	if st, _ := os.Lstat(fifo); st.Mode()&os.ModeNamedPipe == 0 {
		t.Errorf("the FIFO is now %v", st.Mode())
	}
}

// runBinary runs the built ferroseal with a deadline; a run that outlives it is killed and reported as such.
func runBinary(t *testing.T, bin string, deadline time.Duration, env []string, args ...string) (code int, stderr string, took time.Duration) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = append(slicesWithout(os.Environ(), "FERROSEAL_PASSWORD=", "COSIGN_PASSWORD="), env...)
	var eb bytes.Buffer
	cmd.Stderr = &eb
	start := time.Now()
	err := cmd.Run()
	took = time.Since(start)
	if ctx.Err() != nil {
		t.Errorf("ferroseal %s: still running after %v", strings.Join(args, " "), deadline)
		return -1, eb.String(), took
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode(), eb.String(), took
	}
	return 0, eb.String(), took
}

// TestNoEndlessInputs (class 15): devices and FIFOs where files are expected are refused at once instead of read
// forever or waited on.
func TestNoEndlessInputs(t *testing.T) {
	bin := filepath.Join(buildFerroseal(t), "ferroseal")
	dir := t.TempDir()
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	key, pub := keygen(t, dir, "ecdsa-p256")
	fifo := filepath.Join(dir, "app.sigstore.json")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		env  []string
		args []string
		want string
	}{
		{name: "verify /dev/zero", args: []string{"verify", "/dev/zero", "--key", pub, "--bundle", art}, want: "not a regular file"},
		{name: "a FIFO as the default bundle", args: []string{"verify", art, "--key", pub}, want: "named pipe"},
		{name: "a FIFO as the artifact", args: []string{"sbom", fifo}, want: "named pipe"},
		{name: "--password-file /dev/zero", env: []string{"FERROSEAL_TEST=1"},
			args: []string{"attest", art, "--key", key, "--password-file", "/dev/zero", "--type", "cyclonedx"}, want: "limit"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			env := tc.env
			if env == nil {
				env = []string{"FERROSEAL_PASSWORD=pw"}
			}
			code, stderr, _ := runBinary(t, bin, 20*time.Second, env, tc.args...)
			if code == 0 || code == -1 || !strings.Contains(stderr, tc.want) {
				t.Errorf("exit %d, stderr %q: want a failure mentioning %q", code, stderr, tc.want)
			}
		})
	}
}

// TestFirstSignalStops (class 15): the first SIGTERM ends a run that is blocked where the context cannot reach
// (here, waiting on a FIFO nobody writes, for a password), within the grace period, with 128+15.
func TestFirstSignalStops(t *testing.T) {
	bin := filepath.Join(buildFerroseal(t), "ferroseal")
	dir := t.TempDir()
	fifo := filepath.Join(dir, "password")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin, "keygen", "--output-key-prefix", filepath.Join(dir, "k"), "--password-file", fifo)
	cmd.Env = slicesWithout(os.Environ(), "FERROSEAL_PASSWORD=", "COSIGN_PASSWORD=")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	time.Sleep(500 * time.Millisecond)
	start := time.Now()
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-done:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != 128+15 {
			t.Errorf("exit %v, want %d", err, 128+15)
		}
		if took := time.Since(start); took > stopGrace+2*time.Second {
			t.Errorf("took %v to stop", took)
		}
	case <-time.After(30 * time.Second):
		cmd.Process.Kill()
		t.Fatal("SIGTERM did not stop ferroseal")
	}
}

// slicesWithout drops the environment entries that start with any of the prefixes.
func slicesWithout(env []string, prefixes ...string) []string {
	var out []string
	for _, e := range env {
		keep := true
		for _, p := range prefixes {
			keep = keep && !strings.HasPrefix(e, p)
		}
		if keep {
			out = append(out, e)
		}
	}
	return out
}

var _ = attest.ErrVerificationFailed

// TestReleaseSignsOnlyWhatItMadeOrVerified (class 1): release never signs a statement lying in the working
// directory, and signs or passes on a given one only when every subject it names is an artifact of the release
// (a committed provenance.intoto.json naming a released binary and any other digest used to be signed, and then
// verified that other file); a given signed bundle must be signed by the release's own signer.
func TestReleaseSignsOnlyWhatItMadeOrVerified(t *testing.T) {
	work := t.TempDir()
	dist := filepath.Join(work, "dist")
	os.MkdirAll(dist, 0o755)
	app := copyFixture(t, "x86_64-linux.elf", dist, "app")
	other := copyFixture(t, "aarch64-linux.elf", work, "other")
	key, pub := keygen(t, work, "ecdsa-p256")
	otherKey, _ := keygen(t, t.TempDir(), "ecdsa-p384")
	t.Chdir(work)
	env := map[string]string{"FERROSEAL_PASSWORD": "pw", "SOURCE_DATE_EPOCH": "1700000000"}

	// A statement naming the released binary and another file, left in the working directory.
	both := filepath.Join(work, "provenance.intoto.json")
	if res := runCLI(t, nil, "", "provenance", app, other, "--manifest-path", filepath.Join(testenv.RepoRoot(t), "examples", "workspace", "Cargo.toml"), "--provenance", both); res.code != 0 {
		t.Fatal(res.stderr)
	}
	res := runCLI(t, env, "", "release", dist, "--key", key)
	if res.code != 0 || !strings.Contains(res.stderr, "provenance.intoto.json in the current directory is not used") {
		t.Fatalf("release with a stray provenance.intoto.json: exit %d: %s", res.code, res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", other, "--key", pub, "--bundle", filepath.Join(dist, "app.intoto.jsonl"), "--type", "slsaprovenance1"); res.code != exitVerifyFailed {
		t.Errorf("the other file verifies against the release's attestations: exit %d", res.code)
	}

	// Given explicitly, it is refused: one subject is not an artifact of the release. Nothing is written.
	before := dirState(t, dist)
	res = runCLI(t, env, "", "release", dist, "--key", key, "--provenance", both)
	if res.code == 0 || !strings.Contains(res.stderr, "not artifacts of this release") || !strings.Contains(res.stderr, "other") {
		t.Errorf("release --provenance naming a foreign subject: exit %d: %s", res.code, res.stderr)
	}
	if after := dirState(t, dist); after != before {
		t.Errorf("a refused release changed the directory")
	}
	// One that names none of the artifacts is refused too.
	onlyOther := filepath.Join(work, "other.intoto.json")
	runCLI(t, nil, "", "provenance", other, "--manifest-path", filepath.Join(testenv.RepoRoot(t), "examples", "workspace", "Cargo.toml"), "--provenance", onlyOther)
	if res := runCLI(t, env, "", "release", dist, "--key", key, "--provenance", onlyOther); res.code == 0 {
		t.Errorf("provenance about none of the artifacts: exit 0")
	}

	// A signed build record: accepted from the release's own key, refused from another.
	appOnly := filepath.Join(work, "app.provenance.json")
	runCLI(t, nil, "", "provenance", app, "--manifest-path", filepath.Join(testenv.RepoRoot(t), "examples", "workspace", "Cargo.toml"), "--provenance", appOnly)
	ownSigned := filepath.Join(work, "own.sigstore.json")
	foreignSigned := filepath.Join(work, "foreign.sigstore.json")
	for out, k := range map[string]string{ownSigned: key, foreignSigned: otherKey} {
		if res := runCLI(t, env, "", "attest", app, "--key", k, "--type", "slsaprovenance1", "--predicate", predicateOf(t, appOnly), "--bundle", out); res.code != 0 {
			t.Fatal(res.stderr)
		}
	}
	if res := runCLI(t, env, "", "release", dist, "--key", key, "--provenance", foreignSigned); res.code != exitVerifyFailed {
		t.Errorf("a build record signed by another key: exit %d, want %d: %s", res.code, exitVerifyFailed, res.stderr)
	}
	if res := runCLI(t, env, "", "release", dist, "--key", key, "--provenance", ownSigned); res.code != 0 {
		t.Fatalf("a build record signed by the release's key: %s", res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", app, "--key", pub, "--bundle", filepath.Join(dist, "app.intoto.jsonl"), "--type", "slsaprovenance1",
		"--type", "cyclonedx"); res.code != 0 {
		t.Errorf("the release does not verify: %s", res.stderr)
	}
}

// predicateOf writes the predicate of a statement file to a file of its own, for attest --predicate.
func predicateOf(t *testing.T, statement string) string {
	t.Helper()
	var st struct {
		Predicate json.RawMessage `json:"predicate"`
	}
	if err := json.Unmarshal(mustRead(t, statement), &st); err != nil {
		t.Fatal(err)
	}
	return writeFile(t, t.TempDir(), "predicate.json", string(st.Predicate))
}

// dirState lists a directory's files with their contents' lengths and modification times.
func dirState(t *testing.T, dir string) string {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	var b strings.Builder
	for _, e := range entries {
		info, _ := e.Info()
		b.WriteString(e.Name() + " " + info.ModTime().String() + "\n")
	}
	return b.String()
}

// TestSHA256SUMSNames (class 10): a file name with a line break cannot forge a line of SHA256SUMS: names are
// escaped as GNU sha256sum escapes them, and sha256sum -c checks every file of the release and nothing else.
func TestSHA256SUMSNames(t *testing.T) {
	sum, err := exec.LookPath("sha256sum")
	if err != nil {
		t.Skip("sha256sum not installed")
	}
	dir := t.TempDir()
	dist := filepath.Join(dir, "dist")
	os.MkdirAll(dist, 0o755)
	forged := "app\n" + strings.Repeat("0", 64) + "  app"
	copyFixture(t, "x86_64-linux.elf", dist, forged)
	copyFixture(t, "aarch64-linux.elf", dist, `back\slash`)
	key, _ := keygen(t, dir, "ecdsa-p256")
	if res := runCLI(t, map[string]string{"FERROSEAL_PASSWORD": "pw"}, "", "release", dist, "--key", key, "--no-provenance"); res.code != 0 {
		t.Fatal(res.stderr)
	}
	cmd := exec.Command(sum, "--check", "--strict", "SHA256SUMS")
	cmd.Dir = dist
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sha256sum -c: %v\n%s", err, out)
	}
	// Two binaries and two SBOMs each, every one checked once.
	if n := strings.Count(string(out), ": OK"); n != 6 {
		t.Errorf("sha256sum checked %d files, want 6:\n%s", n, out)
	}
}

// TestArchiveMemberFailures (class 6): a binary inside an archive given by name that cannot be read fails the run
// with its own reason (it used to be reported as "no binaries found", exit 4), and entry names are escaped where
// they are printed (class 9).
func TestArchiveMemberFailures(t *testing.T) {
	dir := t.TempDir()
	archive := filepath.Join(dir, "release.tar.gz")
	writeTarGzEntries(t, archive, map[string]string{"bin/app": filepath.Join(binFixtures, "hostile-cycle.elf")})
	res := runCLI(t, nil, "", "sbom", archive)
	if res.code != exitError || !strings.Contains(res.stderr, "release.tar.gz!/bin/app") || !strings.Contains(res.stderr, "cycle") {
		t.Errorf("exit %d, stderr %q: want exit %d naming the member and its fault", res.code, res.stderr, exitError)
	}
	// In a directory walk, the member is skipped with its reason, on one escaped line.
	walk := filepath.Join(dir, "walk")
	os.MkdirAll(walk, 0o755)
	writeTarGzEntries(t, filepath.Join(walk, "r.tar.gz"), map[string]string{
		"\x1b[2Kevil\nferroseal: wrote all": filepath.Join(binFixtures, "hostile-cycle.elf"),
		"ok/app":                            filepath.Join(binFixtures, "x86_64-linux.elf"),
	})
	res = runCLI(t, nil, "", "sbom", walk, "--output-dir", filepath.Join(dir, "out"))
	if strings.ContainsAny(res.stderr, "\x1b") || strings.Contains(res.stderr, "\nferroseal: wrote all") || !strings.Contains(res.stderr, `\x1b[2Kevil`) {
		t.Errorf("entry name not escaped: %q", res.stderr)
	}
}

func writeTarGzEntries(t *testing.T, path string, files map[string]string) {
	t.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for name, src := range files {
		data := mustRead(t, src)
		tw.WriteHeader(&tar.Header{Name: name, Mode: 0o755, Size: int64(len(data)), Typeflag: tar.TypeReg})
		tw.Write(data)
	}
	tw.Close()
	gz.Close()
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestSmallerPoints: an empty key password needs --allow-empty-password; a token on the command line is warned
// about; repeatable path flags take commas as part of the path.
func TestSmallerPoints(t *testing.T) {
	dir := t.TempDir()
	empty := map[string]string{"FERROSEAL_PASSWORD": ""}
	res := runCLI(t, empty, "", "keygen", "--output-key-prefix", filepath.Join(dir, "k"))
	assertCleanFailure(t, res, exitUsage, "", "--allow-empty-password")
	if res := runCLI(t, empty, "", "keygen", "--output-key-prefix", filepath.Join(dir, "k"), "--allow-empty-password"); res.code != 0 {
		t.Errorf("--allow-empty-password: %s", res.stderr)
	}
	res = runCLI(t, withEnv(nil), "", "attest", filepath.Join(dir, "missing"), "--type", "cyclonedx", "--identity-token", "x.y.z",
		"--fulcio-url", "http://127.0.0.1:1", "--trusted-root", filepath.Join(dir, "missing.json"))
	if !strings.Contains(res.stderr, "--identity-token puts the token on the command line") {
		t.Errorf("no warning for a token on the command line: %q", res.stderr)
	}
	// A bundle whose path holds a comma is one path.
	art := copyFixture(t, "x86_64-linux.elf", dir, "app")
	key, pub := keygen(t, dir, "ecdsa-p256")
	comma := filepath.Join(dir, "app,v1.sigstore.json")
	if res := runCLI(t, pwEnv, "", "attest", art, "--key", key, "--type", "cyclonedx", "--bundle", comma); res.code != 0 {
		t.Fatal(res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", art, "--key", pub, "--bundle", comma, "--type", "cyclonedx"); res.code != 0 {
		t.Errorf("a bundle path with a comma: %s", res.stderr)
	}
}
