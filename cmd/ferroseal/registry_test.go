package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/ferroseal/ferroseal/attest/oci"
	"github.com/ferroseal/ferroseal/internal/registry"
	"github.com/ferroseal/ferroseal/internal/testenv"
	"github.com/ferroseal/ferroseal/internal/testregistry"
)

// TestRegistryImages runs the image commands against two real registries on 127.0.0.1: go-containerregistry's
// (with the referrers API) and the CNCF distribution registry (without: attaching falls back to the referrers
// tag schema). On each: an SBOM of the image by reference; SBOM and provenance attestations attached with --push
// and verified from the registry; cosign verifies what ferroseal attached, and ferroseal what cosign attached;
// a tag moved after attaching verifies no more; a referrer about another image is listed, never counted.
func TestRegistryImages(t *testing.T) {
	cosign := testenv.Tool(t, "cosign")
	registries := map[string]func(testing.TB) string{"ggcr": testregistry.GGCR, "distribution": testregistry.Distribution}
	for kind, start := range registries {
		t.Run(kind, func(t *testing.T) {
			host := start(t)
			dir := t.TempDir()
			key, pub := keygen(t, dir, "ecdsa-p256")
			app := testregistry.Image(t, "linux/amd64",
				testregistry.File{Path: "/usr/local/bin/app", Data: mustRead(t, filepath.Join(binFixtures, "x86_64-linux.elf"))},
				testregistry.File{Path: "/usr/bin/helper", Data: mustRead(t, filepath.Join(binFixtures, "no-section.elf"))})
			digest := testregistry.Push(t, host+"/app:1.0", app)
			image := "registry:" + host + "/app:1.0"

			// The SBOM of the image, by reference.
			res := runCLI(t, nil, "", "sbom", image, "-o", "cyclonedx-json")
			if res.code != 0 {
				t.Fatalf("sbom %s: %s", image, res.stderr)
			}
			var bom struct {
				Metadata struct {
					Component struct {
						Type   string `json:"type"`
						Hashes []struct {
							Content string `json:"content"`
						} `json:"hashes"`
					} `json:"component"`
				} `json:"metadata"`
				Components []struct {
					Name string `json:"name"`
				} `json:"components"`
			}
			json.Unmarshal([]byte(res.stdout), &bom)
			if bom.Metadata.Component.Type != "container" || len(bom.Metadata.Component.Hashes) == 0 || bom.Metadata.Component.Hashes[0].Content != digest.Hex {
				t.Errorf("the image's SBOM does not name its manifest digest %s: %+v", digest, bom.Metadata.Component)
			}
			if !strings.Contains(res.stdout, `"serde_json"`) {
				t.Error("the image's SBOM lacks the binary's crates")
			}

			// Attach an SBOM (made from the image) and provenance.
			if res := runCLI(t, pwEnv, "", "attest", image, "--type", "cyclonedx", "--push", "--key", key); res.code != 0 {
				t.Fatalf("attest --push cyclonedx: %s", res.stderr)
			}
			pred := filepath.Join(dir, "pred.json")
			os.WriteFile(pred, []byte(`{"buildDefinition":{"buildType":"https://example.com/build/v1","externalParameters":{}},"runDetails":{"builder":{"id":"https://example.com/builder"}}}`), 0o644)
			if res := runCLI(t, pwEnv, "", "attest", image, "--type", "slsaprovenance1", "--predicate", pred, "--push", "--key", key); res.code != 0 {
				t.Fatalf("attest --push provenance: %s", res.stderr)
			}
			res = runCLI(t, nil, "", "verify", image, "--key", pub, "--type", "cyclonedx", "--type", "slsaprovenance1", "--builder-id", "https://example.com/builder")
			if res.code != 0 {
				t.Fatalf("verify %s: %s", image, res.stderr)
			}

			// cosign verifies what we attached.
			cmd := exec.Command(cosign, "verify-attestation", "--new-bundle-format", "--key", pub, "--insecure-ignore-tlog=true",
				"--type", "cyclonedx", host+"/app@"+digest.String())
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Errorf("cosign verify-attestation: %v\n%s", err, out)
			}
			// We verify what cosign attached (in-toto Statement v0.1, subject named by repository).
			cmd = exec.Command(cosign, "attest", "--new-bundle-format", "--key", key, "--use-signing-config=false", "--tlog-upload=false",
				"--type", "https://example.com/cosign-made", "--predicate", pred, "-y", host+"/app@"+digest.String())
			cmd.Env = append(os.Environ(), "COSIGN_PASSWORD=pw")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("cosign attest: %v\n%s", err, out)
			}
			res = runCLI(t, nil, "", "verify", image, "--key", pub, "--type", "https://example.com/cosign-made")
			if res.code != 0 {
				t.Errorf("we reject cosign's attestation: %s", res.stderr)
			}

			// A referrer about another image, slipped into this image's referrers, is listed and not counted.
			other := testregistry.Push(t, host+"/app:other", testregistry.Image(t, "linux/amd64", testregistry.File{Path: "/x", Data: []byte("x")}))
			if res := runCLI(t, pwEnv, "", "attest", "registry:"+host+"/app:other", "--type", "slsaprovenance1", "--predicate", pred, "--push", "--key", key); res.code != 0 {
				t.Fatalf("attest other: %s", res.stderr)
			}
			if kind == "distribution" {
				foreign := referrersOf(t, host+"/app", other)
				ownTag := host + "/app:sha256-" + digest.Hex
				mergeFallback(t, ownTag, foreign)
				res = runCLI(t, nil, "", "verify", image, "--key", pub, "--type", "cyclonedx")
				if res.code != 0 || !strings.Contains(res.stderr, "refers to another image") {
					t.Errorf("a foreign referrer: exit %d: %s", res.code, res.stderr)
				}
			}

			// The tag moved after attaching: what it names now has no attestation.
			testregistry.Push(t, host+"/app:1.0", testregistry.Image(t, "linux/amd64", testregistry.File{Path: "/usr/local/bin/app", Data: mustRead(t, filepath.Join(binFixtures, "aarch64-linux.elf"))}))
			res = runCLI(t, nil, "", "verify", image, "--key", pub, "--type", "cyclonedx")
			if res.code != exitVerifyFailed {
				t.Errorf("a moved tag: exit %d: %s", res.code, res.stderr)
			}
			// By digest, the attested image still verifies.
			if res := runCLI(t, nil, "", "verify", "registry:"+host+"/app@"+digest.String(), "--key", pub, "--type", "cyclonedx"); res.code != 0 {
				t.Errorf("by digest: %s", res.stderr)
			}
		})
	}
}

// referrersOf lists the referrer descriptors of a digest (go-containerregistry follows the tag fallback).
func referrersOf(t *testing.T, repo string, d v1.Hash) []v1.Descriptor {
	t.Helper()
	r, err := name.NewDigest(repo + "@" + d.String())
	if err != nil {
		t.Fatal(err)
	}
	idx, err := remote.Referrers(r)
	if err != nil {
		t.Fatal(err)
	}
	m, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	return m.Manifests
}

// mergeFallback adds descriptors to a referrers tag index, as a hostile writer of the repository could.
func mergeFallback(t *testing.T, tag string, add []v1.Descriptor) {
	t.Helper()
	ref, err := name.NewTag(tag)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Get(ref)
	if err != nil {
		t.Fatal(err)
	}
	var idx v1.IndexManifest
	json.Unmarshal(desc.Manifest, &idx)
	idx.Manifests = append(idx.Manifests, add...)
	raw, _ := json.Marshal(idx)
	req, _ := http.NewRequest(http.MethodPut, "http://"+ref.RegistryStr()+"/v2/"+ref.RepositoryStr()+"/manifests/"+ref.TagStr(), bytes.NewReader(raw))
	req.Header.Set("Content-Type", "application/vnd.oci.image.index.v1+json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode/100 != 2 {
		t.Fatalf("rewriting %s: %v %v", tag, err, resp)
	}
	resp.Body.Close()
}

// A registry that answers with an oversized manifest, a manifest that is not what its digest says, or a layer
// blob that never ends is refused, with the reason, and nothing is read past the bounds (the manifest's 4 MiB, the
// layer's size as its manifest gives it).
func TestRegistryHostile(t *testing.T) {
	var served, layerServed int64
	cfg := []byte(`{"os":"linux","architecture":"amd64","rootfs":{"type":"layers","diff_ids":[]}}`)
	cfgSum := sha256.Sum256(cfg)
	layerDigest := "sha256:" + strings.Repeat("ee", 32)
	manifest := []byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:` +
		hex.EncodeToString(cfgSum[:]) + `","size":` + strconv.Itoa(len(cfg)) + `},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar","digest":"` + layerDigest + `","size":4096}]}`)
	mSum := sha256.Sum256(manifest)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case r.URL.Path == "/v2/":
			w.WriteHeader(http.StatusOK)
		case strings.HasSuffix(r.URL.Path, "/manifests/endless") || strings.HasSuffix(r.URL.Path, "/manifests/sha256:"+hex.EncodeToString(mSum[:])):
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Write(manifest)
		case strings.HasSuffix(r.URL.Path, "/blobs/sha256:"+hex.EncodeToString(cfgSum[:])):
			w.Write(cfg)
		case strings.HasSuffix(r.URL.Path, "/blobs/"+layerDigest):
			chunk := make([]byte, 64<<10)
			for i := 0; i < 1024; i++ { // 64 MiB, where the manifest says 4 KiB
				n, err := w.Write(chunk)
				layerServed += int64(n)
				if err != nil {
					return
				}
			}
		case strings.Contains(r.URL.Path, "/manifests/big"):
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			chunk := bytes.Repeat([]byte(" "), 1<<20)
			for i := 0; i < 8; i++ {
				n, err := w.Write(chunk)
				served += int64(n)
				if err != nil {
					return
				}
			}
		case strings.Contains(r.URL.Path, "/manifests/sha256:"):
			w.Header().Set("Content-Type", "application/vnd.oci.image.manifest.v1+json")
			w.Write([]byte(`{"schemaVersion":2}`))
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	res := runCLI(t, nil, "", "sbom", "registry:"+host+"/app:big")
	if res.code == 0 || !strings.Contains(res.stderr, "more than") {
		t.Errorf("an oversized manifest: exit %d: %s", res.code, res.stderr)
	}
	if served > 32<<20 {
		t.Errorf("%d bytes served before the read stopped", served)
	}
	res = runCLI(t, nil, "", "sbom", "registry:"+host+"/app@sha256:"+strings.Repeat("ab", 32))
	if res.code == 0 || !strings.Contains(res.stderr, "does not match its digest") {
		t.Errorf("a manifest that is not its digest: exit %d: %s", res.code, res.stderr)
	}
	res = runCLI(t, nil, "", "sbom", "registry:"+host+"/app:endless")
	if res.code == 0 || !strings.Contains(res.stderr, "layer "+layerDigest) {
		t.Errorf("an endless layer: exit %d: %s", res.code, res.stderr)
	}
	if layerServed > 16<<20 {
		t.Errorf("%d bytes of a 4 KiB layer were read", layerServed)
	}
}

// release registry:IMG --push attaches an SBOM per platform (to that platform's manifest) and provenance (to the
// index the tag names), in one step; each verifies from the registry, cosign agrees, and audit and inspect read
// the image by reference too.
func TestReleaseImage(t *testing.T) {
	examples := testenv.Cargo(t)
	cosign := testenv.Tool(t, "cosign")
	for kind, start := range map[string]func(testing.TB) string{"ggcr": testregistry.GGCR, "distribution": testregistry.Distribution} {
		t.Run(kind, func(t *testing.T) {
			host := start(t)
			dir := t.TempDir()
			key, pub := keygen(t, dir, "ecdsa-p256")
			amd := testregistry.Image(t, "linux/amd64", testregistry.File{Path: "/app", Data: mustRead(t, filepath.Join(binFixtures, "x86_64-linux.elf"))})
			arm := testregistry.Image(t, "linux/arm64", testregistry.File{Path: "/app", Data: mustRead(t, filepath.Join(binFixtures, "aarch64-linux.elf"))})
			testregistry.PushIndex(t, host+"/svc:2.0", map[string]v1.Image{"linux/amd64": amd, "linux/arm64": arm})
			amdDigest, _ := amd.Digest()
			image := "registry:" + host + "/svc:2.0"
			out := filepath.Join(dir, "sboms")
			res := runCLI(t, pwEnv, "", "release", image, "--push", "--key", key, "--manifest-path", filepath.Join(examples, "workspace", "Cargo.toml"), "--output-dir", out)
			if res.code != 0 {
				t.Fatalf("release --push: %s", res.stderr)
			}
			if !strings.Contains(res.stderr, "5 attestations attached") {
				t.Errorf("want 2 SBOMs per platform and provenance: %s", res.stderr)
			}
			if files, _ := filepath.Glob(filepath.Join(out, "svc-linux-*.json")); len(files) != 4 {
				t.Errorf("SBOM files %v", files)
			}
			if res := runCLI(t, nil, "", "verify", image, "--key", pub, "--type", "slsaprovenance1"); res.code != 0 {
				t.Errorf("verify the index: %s", res.stderr)
			}
			platform := "registry:" + host + "/svc@" + amdDigest.String()
			if res := runCLI(t, nil, "", "verify", platform, "--key", pub, "--type", "cyclonedx", "--type", "spdx", "--check-sbom"); res.code != 0 {
				t.Errorf("verify a platform, its SBOM checked against its binaries: %s", res.stderr)
			}
			// That SBOM attached to another image (by a key holder, or a mix-up): the check catches it.
			other := testregistry.Push(t, host+"/svc:legacy", testregistry.Image(t, "linux/amd64", testregistry.File{Path: "/app", Data: mustRead(t, filepath.Join(binFixtures, "legacy.elf"))}))
			pred := filepath.Join(dir, "amd.cdx.json")
			os.WriteFile(pred, mustRead(t, filepath.Join(out, "svc-linux-amd64.cdx.json")), 0o644)
			wrong := "registry:" + host + "/svc@" + other.String()
			if res := runCLI(t, pwEnv, "", "attest", wrong, "--type", "cyclonedx", "--predicate", pred, "--push", "--key", key); res.code != 0 {
				t.Fatalf("attest: %s", res.stderr)
			}
			if res := runCLI(t, nil, "", "verify", wrong, "--key", pub, "--type", "cyclonedx"); res.code != 0 {
				t.Errorf("without --check-sbom the signatures hold: %s", res.stderr)
			}
			if res := runCLI(t, nil, "", "verify", wrong, "--key", pub, "--type", "cyclonedx", "--check-sbom"); res.code != exitVerifyFailed {
				t.Errorf("--check-sbom accepts another platform's SBOM: exit %d: %s", res.code, res.stderr)
			}
			if out, err := exec.Command(cosign, "verify-attestation", "--new-bundle-format", "--key", pub, "--insecure-ignore-tlog=true",
				"--type", "slsaprovenance1", host+"/svc:2.0").CombinedOutput(); err != nil {
				t.Errorf("cosign verify-attestation of the index: %v\n%s", err, out)
			}
			if res := runCLI(t, nil, "", "inspect", image); res.code != 0 || !strings.Contains(res.stdout, "linux/arm64") {
				t.Errorf("inspect: %d %s %s", res.code, res.stdout, res.stderr)
			}
			db := testDB(t)
			res = runCLI(t, nil, "", "audit", image, "--db", db, "-o", "json")
			if res.code != exitVulnerable {
				t.Fatalf("audit: %d %s", res.code, res.stderr)
			}
			if got := strings.Join(verdictsOf(t, []byte(res.stdout)), "\n"); !strings.Contains(got, "RUSTSEC-2099-0102 ryu@1.0.2 runtime affected") || !strings.Contains(got, "RUSTSEC-2099-0102 ryu@1.0.2 runtime not_affected") {
				t.Errorf("audit of both platforms: the aarch64-only advisory should apply to arm64 alone:\n%s", got)
			}
		})
	}
}

// An index with a platform that holds no Rust binary: the other platform is described, the empty one named and
// left out; attesting the empty one's SBOM is exit 4, not an empty SBOM signed.
func TestRegistryPlatformWithoutRust(t *testing.T) {
	host := testregistry.GGCR(t)
	dir := t.TempDir()
	key, _ := keygen(t, dir, "ecdsa-p256")
	rust := testregistry.Image(t, "linux/amd64", testregistry.File{Path: "/app", Data: mustRead(t, filepath.Join(binFixtures, "x86_64-linux.elf"))})
	none := testregistry.Image(t, "linux/arm64", testregistry.File{Path: "/usr/bin/helper", Data: mustRead(t, filepath.Join(binFixtures, "no-section.elf"))})
	testregistry.PushIndex(t, host+"/mixed:1", map[string]v1.Image{"linux/amd64": rust, "linux/arm64": none})
	res := runCLI(t, nil, "", "sbom", "registry:"+host+"/mixed:1", "-o", "cyclonedx-json")
	if res.code != 0 || strings.Count(res.stdout, `"bomFormat"`) != 1 || !strings.Contains(res.stderr, "linux/arm64") {
		t.Errorf("sbom of the index: exit %d, %d documents: %s", res.code, strings.Count(res.stdout, `"bomFormat"`), res.stderr)
	}
	res = runCLI(t, pwEnv, "", "attest", "registry:"+host+"/mixed:1", "--type", "cyclonedx", "--platform", "linux/arm64", "--push", "--key", key)
	if res.code != exitNotAuditable {
		t.Errorf("attesting the platform without Rust: exit %d: %s", res.code, res.stderr)
	}
}

// Keyless, through the real Fulcio, Rekor v2 and timestamp authority: an attestation attached to an image
// verifies from the registry by identity, with ferroseal and with cosign.
func TestKeylessImage(t *testing.T) {
	s := requireStack(t)
	cosign := testenv.Tool(t, "cosign")
	host := testregistry.GGCR(t)
	dir := t.TempDir()
	digest := testregistry.Push(t, host+"/app:1.0", testregistry.Image(t, "linux/amd64", testregistry.File{Path: "/app", Data: mustRead(t, filepath.Join(binFixtures, "x86_64-linux.elf"))}))
	tok, err := s.EmailToken("release@example.com")
	if err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, withEnv(nil), "", "attest", "registry:"+host+"/app:1.0", "--type", "cyclonedx", "--push",
		"--identity-token-file", writeFile(t, dir, "token", tok), "--signing-config", s.SigningConfig, "--trusted-root", s.TrustedRoot)
	if res.code != 0 {
		t.Fatalf("keyless attest --push: %s", res.stderr)
	}
	identity := []string{"--certificate-identity", "release@example.com", "--certificate-oidc-issuer", s.EmailIssuer}
	res = runCLI(t, nil, "", append([]string{"verify", "registry:" + host + "/app:1.0", "--trusted-root", s.TrustedRoot, "--type", "cyclonedx",
		"--use-signed-timestamps", "--check-sbom"}, identity...)...)
	if res.code != 0 {
		t.Errorf("verify: %s", res.stderr)
	}
	res = runCLI(t, nil, "", "verify", "registry:"+host+"/app:1.0", "--trusted-root", s.TrustedRoot, "--type", "cyclonedx",
		"--use-signed-timestamps", "--certificate-identity", "other@example.com", "--certificate-oidc-issuer", s.EmailIssuer)
	if res.code != exitVerifyFailed {
		t.Errorf("another identity: exit %d", res.code)
	}
	out, err := exec.Command(cosign, append([]string{"verify-attestation", "--new-bundle-format", "--trusted-root", s.TrustedRoot,
		"--use-signed-timestamps", "--insecure-ignore-sct", "--type", "cyclonedx", host + "/app@" + digest.String()}, identity...)...).CombinedOutput()
	if err != nil {
		t.Errorf("cosign verify-attestation (keyless): %v\n%s", err, out)
	}
}

// A validly signed bundle about another image, attached to this one: its referrer names this image, its statement
// another digest; it does not count, and an image with nothing else attached fails.
func TestRegistryBundleForAnotherImage(t *testing.T) {
	host := testregistry.GGCR(t)
	dir := t.TempDir()
	key, pub := keygen(t, dir, "ecdsa-p256")
	testregistry.Push(t, host+"/a:1", testregistry.Image(t, "linux/amd64", testregistry.File{Path: "/app", Data: mustRead(t, filepath.Join(binFixtures, "x86_64-linux.elf"))}))
	testregistry.Push(t, host+"/b:1", testregistry.Image(t, "linux/amd64", testregistry.File{Path: "/app", Data: mustRead(t, filepath.Join(binFixtures, "aarch64-linux.elf"))}))
	bundle := filepath.Join(dir, "a.sigstore.json")
	if res := runCLI(t, pwEnv, "", "attest", "registry:"+host+"/a:1", "--type", "cyclonedx", "--bundle", bundle, "--key", key); res.code != 0 {
		t.Fatalf("attest: %s", res.stderr)
	}
	rem, err := registry.Resolve(context.Background(), host+"/b:1", registry.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := oci.Attach(context.Background(), rem, mustRead(t, bundle), "https://cyclonedx.org/bom", time.Unix(0, 0), registry.Options{}); err != nil {
		t.Fatal(err)
	}
	res := runCLI(t, nil, "", "verify", "registry:"+host+"/b:1", "--key", pub, "--type", "cyclonedx")
	if res.code != exitVerifyFailed {
		t.Errorf("a bundle about another image counted: exit %d: %s", res.code, res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", "registry:"+host+"/a:1", "--key", pub); res.code != exitVerifyFailed {
		t.Errorf("an image with nothing attached: exit %d: %s", res.code, res.stderr)
	}
}

// release registry:IMG --push --audit attaches each platform's audit as OpenVEX; verify registry:IMG
// --deny-advisories re-audits the image it verified (by digest, never the tag again) and fails on what no verified
// statement waives, and passes once the release records the decision.
func TestImageAuditGate(t *testing.T) {
	testenv.Cargo(t)
	host := testregistry.GGCR(t)
	dir := t.TempDir()
	key, pub := keygen(t, dir, "ecdsa-p256")
	db := testDB(t)
	amd := testregistry.Image(t, "linux/amd64", testregistry.File{Path: "/app", Data: mustRead(t, filepath.Join(binFixtures, "x86_64-linux.elf"))})
	arm := testregistry.Image(t, "linux/arm64", testregistry.File{Path: "/app", Data: mustRead(t, filepath.Join(binFixtures, "aarch64-linux.elf"))})
	testregistry.PushIndex(t, host+"/svc:3", map[string]v1.Image{"linux/amd64": amd, "linux/arm64": arm})
	image := "registry:" + host + "/svc:3"
	res := runCLI(t, map[string]string{"FERROSEAL_PASSWORD": "pw", "SOURCE_DATE_EPOCH": "1767225600"}, "", "release", image, "--push", "--key", key, "--no-provenance", "--audit", "--db", db)
	if res.code != 0 {
		t.Fatalf("release --audit: %s", res.stderr)
	}
	res = runCLI(t, nil, "", "verify", image, "--key", pub, "--deny-advisories", "--db", db)
	if res.code != exitVerifyFailed || !strings.Contains(res.stderr, "RUSTSEC-2099-0103") {
		t.Errorf("--deny-advisories on the index: exit %d: %s", res.code, res.stderr)
	}
	cfg := filepath.Join(dir, "audit.toml")
	os.WriteFile(cfg, []byte("[advisories]\nignore = [{ id = \"RUSTSEC-2099-0103\", reason = \"not reachable\" }, { id = \"RUSTSEC-2099-0102\", reason = \"no arm64 deployments\" }]\n"), 0o644)
	// A later release records the decisions; its statements supersede the first release's, still attached.
	if res := runCLI(t, map[string]string{"FERROSEAL_PASSWORD": "pw", "SOURCE_DATE_EPOCH": "1767225700"}, "", "release", image, "--push", "--key", key, "--no-provenance", "--audit", "--db", db, "--ignore-file", cfg); res.code != 0 {
		t.Fatalf("release: %s", res.stderr)
	}
	if res := runCLI(t, nil, "", "verify", image, "--key", pub, "--deny-advisories", "--db", db); res.code != 0 {
		t.Errorf("with the signed decisions: exit %d: %s", res.code, res.stderr)
	}
}
