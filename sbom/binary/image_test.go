package binary

import (
	"archive/tar"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/ferroseal/ferroseal/internal/testenv"
)

// layerOf is a gzip-compressed layer of the given entries, in order: a name ending in "/" is a directory; a value
// naming a fixture is its content.
func layerOf(t *testing.T, entries ...[2]string) v1.Layer {
	t.Helper()
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, e := range entries {
		if strings.HasSuffix(e[0], "/") {
			tw.WriteHeader(&tar.Header{Name: e[0], Typeflag: tar.TypeDir, Mode: 0o755})
			continue
		}
		data := []byte(e[1])
		if b, err := os.ReadFile(filepath.Join(fixtures, e[1])); err == nil {
			data = b
		}
		tw.WriteHeader(&tar.Header{Name: e[0], Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(data))})
		tw.Write(data)
	}
	tw.Close()
	l, err := tarball.LayerFromReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// testImage has binaries deleted by a whiteout, hidden by an opaque directory, replaced by a higher layer, and kept.
func testImage(t *testing.T, arch string) v1.Image {
	t.Helper()
	img, err := mutate.AppendLayers(empty.Image,
		layerOf(t, [2]string{"usr/", ""}, [2]string{"usr/bin/", ""}, [2]string{"usr/bin/app", "x86_64-linux.elf"},
			[2]string{"usr/bin/gone", "i686-linux.elf"}, [2]string{"opt/old/tool", "aarch64-linux.elf"},
			[2]string{"etc/hostname", "box\n"}, [2]string{"bin/shadow", "format0.elf"}),
		layerOf(t, [2]string{"usr/bin/.wh.gone", ""}, [2]string{"opt/old/.wh..wh..opq", ""},
			[2]string{"opt/old/new-tool", "powerpc64-linux.elf"}, [2]string{"bin/shadow", "format8.elf"}, [2]string{"README", "hello"}),
		layerOf(t, [2]string{"./app.exe", "x86_64-windows.exe"}),
	)
	if err != nil {
		t.Fatal(err)
	}
	cfg, _ := img.ConfigFile()
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", arch
	img, err = mutate.ConfigFile(img, cfg)
	if err != nil {
		t.Fatal(err)
	}
	return img
}

// wantImageBinaries are testImage's binaries in its final filesystem, with the index of the layer providing each.
var wantImageBinaries = map[string]int{"app.exe": 2, "bin/shadow": 1, "opt/old/new-tool": 1, "usr/bin/app": 0}

// scanImage scans one input and returns the binaries found (path in the image: layer digest), failing on errors.
func scanImage(t *testing.T, input string, opts ScanOptions) map[string]*Item {
	t.Helper()
	items, err := Scan(context.Background(), []string{input}, opts)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]*Item{}
	for i, it := range items {
		if it.Err != nil {
			t.Fatalf("%s: %v", it.Path, it.Err)
		}
		if it.Image == nil {
			t.Fatalf("%s: no image information", it.Path)
		}
		out[strings.TrimPrefix(it.Image.Path, "/")+"@"+it.Image.Platform] = &items[i]
	}
	return out
}

func checkImageBinaries(t *testing.T, got map[string]*Item, img v1.Image, platform string) {
	t.Helper()
	layers, _ := img.Layers()
	manifest, _ := img.Digest()
	for path, li := range wantImageBinaries {
		it := got[path+"@"+platform]
		if it == nil {
			t.Errorf("%s (%s) not found; found %v", path, platform, keysOf(got))
			continue
		}
		// The layer as the manifest lists it, or its diff ID in a docker-archive without manifest.
		digest, _ := layers[li].Digest()
		diffID, _ := layers[li].DiffID()
		if it.Image.Layer != digest.String() && it.Image.Layer != diffID.String() {
			t.Errorf("%s: layer %s, want layer %d (%s or %s)", path, it.Image.Layer, li, digest, diffID)
		}
		if it.Image.Manifest != "" && it.Image.Manifest != manifest.String() {
			t.Errorf("%s: manifest %s, want %s", path, it.Image.Manifest, manifest)
		}
	}
	for _, gone := range []string{"usr/bin/gone", "opt/old/tool"} {
		if got[gone+"@"+platform] != nil {
			t.Errorf("%s is deleted in the image and was reported", gone)
		}
	}
	if n := len(got); n != len(wantImageBinaries) && platform != "" {
		t.Logf("found %v", keysOf(got))
	}
}

func keysOf[V any](m map[string]V) []string {
	var k []string
	for s := range m {
		k = append(k, s)
	}
	sort.Strings(k)
	return k
}

// TestImagesByGoContainerRegistry reads an image written by go-containerregistry as an OCI layout directory, as a
// tar of that layout, and as a docker-archive: the binaries of the final filesystem, each with the layer that
// provides it, and none of those a whiteout or an opaque directory removes.
func TestImagesByGoContainerRegistry(t *testing.T) {
	dir := t.TempDir()
	img := testImage(t, "amd64")
	lp, err := layout.Write(filepath.Join(dir, "oci"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "example.com/app:1.2.0"})); err != nil {
		t.Fatal(err)
	}
	got := scanImage(t, filepath.Join(dir, "oci"), ScanOptions{})
	checkImageBinaries(t, got, img, "linux/amd64")
	for _, it := range got {
		if it.Image.Name != "example.com/app:1.2.0" {
			t.Errorf("image name %q", it.Image.Name)
		}
	}

	ociTar := filepath.Join(dir, "app.oci.tar")
	if out, err := exec.Command("tar", "-C", filepath.Join(dir, "oci"), "-cf", ociTar, ".").CombinedOutput(); err != nil {
		t.Fatalf("tar: %v %s", err, out)
	}
	checkImageBinaries(t, scanImage(t, ociTar, ScanOptions{}), img, "linux/amd64")

	docker := filepath.Join(dir, "app.docker.tar")
	if err := tarball.WriteToFile(docker, nil, img); err != nil {
		t.Fatal(err)
	}
	got = scanImage(t, docker, ScanOptions{})
	checkImageBinaries(t, got, img, "linux/amd64")
}

// TestMultiPlatformIndex: an index of two platforms gives the binaries of each, or of the one --platform names.
func TestMultiPlatformIndex(t *testing.T) {
	dir := t.TempDir()
	amd, arm := testImage(t, "amd64"), testImage(t, "arm64")
	idx := mutate.AppendManifests(empty.Index,
		mutate.IndexAddendum{Add: amd, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "amd64"}}},
		mutate.IndexAddendum{Add: arm, Descriptor: v1.Descriptor{Platform: &v1.Platform{OS: "linux", Architecture: "arm64"}}})
	idx = mutate.IndexMediaType(idx, types.OCIImageIndex)
	lp, err := layout.Write(filepath.Join(dir, "oci"), empty.Index)
	if err != nil {
		t.Fatal(err)
	}
	if err := lp.AppendIndex(idx); err != nil {
		t.Fatal(err)
	}
	got := scanImage(t, filepath.Join(dir, "oci"), ScanOptions{})
	checkImageBinaries(t, got, amd, "linux/amd64")
	checkImageBinaries(t, got, arm, "linux/arm64")
	if len(got) != 2*len(wantImageBinaries) {
		t.Errorf("%d binaries, want %d", len(got), 2*len(wantImageBinaries))
	}
	p, _ := ParsePlatform("linux/arm64")
	got = scanImage(t, filepath.Join(dir, "oci"), ScanOptions{Platform: p})
	if len(got) != len(wantImageBinaries) {
		t.Errorf("--platform linux/arm64: %v", keysOf(got))
	}
}

// TestFinalFilesAgreeWithExtract compares the top-down walk with go-containerregistry's mutate.Extract, which
// flattens an image: the same regular files with the same contents.
func TestFinalFilesAgreeWithExtract(t *testing.T) {
	dir := t.TempDir()
	img := testImage(t, "amd64")
	lp, _ := layout.Write(filepath.Join(dir, "oci"), empty.Index)
	lp.AppendImage(img)
	imgs, err := ociImages(dirBlobs{dir: filepath.Join(dir, "oci")}, "oci", nil)
	if err != nil || len(imgs) != 1 {
		t.Fatalf("%d images, %v", len(imgs), err)
	}
	s := &archiveScan{ctx: context.Background()}
	ours := map[string]string{}
	err = s.finalFiles(dirBlobs{dir: filepath.Join(dir, "oci")}, imgs[0], "oci", newArchiveBudget(1<<30), func(name string, h *tar.Header, r io.Reader, _ imageLayer) error {
		sum := sha256.New()
		io.Copy(sum, r)
		ours[name] = hex.EncodeToString(sum.Sum(nil))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	theirs := map[string]string{}
	tr := tar.NewReader(mutate.Extract(img))
	for {
		h, err := tr.Next()
		if err != nil {
			break
		}
		if h.Typeflag == tar.TypeReg {
			sum := sha256.New()
			io.Copy(sum, tr)
			theirs[h.Name] = hex.EncodeToString(sum.Sum(nil))
		}
	}
	if !slices.Equal(keysOf(ours), keysOf(theirs)) {
		t.Fatalf("files: ours %v, mutate.Extract %v", keysOf(ours), keysOf(theirs))
	}
	for name, sum := range theirs {
		if ours[name] != sum {
			t.Errorf("%s differs", name)
		}
	}
}

// TestImagesByUmociAndSkopeo reads images made by independent tools: an OCI layout built by umoci (layers added by
// umoci insert, with a whiteout), and skopeo's docker-archive and oci-archive copies of it.
func TestImagesByUmociAndSkopeo(t *testing.T) {
	umoci, skopeo := testenv.Tool(t, "umoci"), testenv.Tool(t, "skopeo")
	dir := t.TempDir()
	oci := filepath.Join(dir, "oci")
	run := func(name string, args ...string) {
		t.Helper()
		if out, err := exec.Command(name, args...).CombinedOutput(); err != nil {
			t.Fatalf("%s %v: %v\n%s", filepath.Base(name), args, err, out)
		}
	}
	run(umoci, "init", "--layout", oci)
	run(umoci, "new", "--image", oci+":1.0")
	run(umoci, "config", "--image", oci+":1.0", "--os", "linux", "--architecture", "amd64")
	abs, _ := filepath.Abs(fixtures)
	run(umoci, "insert", "--image", oci+":1.0", filepath.Join(abs, "x86_64-linux.elf"), "/usr/bin/app")
	run(umoci, "insert", "--image", oci+":1.0", filepath.Join(abs, "i686-linux.elf"), "/usr/bin/gone")
	run(umoci, "insert", "--image", oci+":1.0", "--whiteout", "/usr/bin/gone")
	check := func(input string) {
		t.Helper()
		got := scanImage(t, input, ScanOptions{})
		if len(got) != 1 || got["usr/bin/app@linux/amd64"] == nil {
			t.Errorf("%s: %v, want usr/bin/app alone", input, keysOf(got))
		}
	}
	check(oci)
	run(skopeo, "copy", "--quiet", "oci:"+oci+":1.0", "docker-archive:"+filepath.Join(dir, "d.tar")+":example.com/app:1.0")
	check(filepath.Join(dir, "d.tar"))
	run(skopeo, "copy", "--quiet", "oci:"+oci+":1.0", "oci-archive:"+filepath.Join(dir, "o.tar")+":1.0")
	check(filepath.Join(dir, "o.tar"))
}

// TestHostileImages: an entry reaching above the root, two entries of one name in a layer, and a layer whose bytes
// do not match its digest are refused with an error naming the fault.
func TestHostileImages(t *testing.T) {
	raw := func(entries ...[2]string) v1.Layer {
		var buf bytes.Buffer
		tw := tar.NewWriter(&buf)
		for _, e := range entries {
			tw.WriteHeader(&tar.Header{Name: e[0], Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(e[1]))})
			tw.Write([]byte(e[1]))
		}
		tw.Close()
		l, _ := tarball.LayerFromReader(bytes.NewReader(buf.Bytes()))
		return l
	}
	for name, tc := range map[string]struct {
		layer v1.Layer
		want  string
	}{
		"whiteout above the root": {raw([2]string{"../.wh.etc", ""}), "reaches above the root"},
		"entry above the root":    {raw([2]string{"usr/../../x", "x"}), "reaches above the root"},
		"duplicate in a layer":    {raw([2]string{"a", "1"}, [2]string{"./a", "2"}), "two entries named"},
	} {
		t.Run(name, func(t *testing.T) {
			img, _ := mutate.AppendLayers(empty.Image, tc.layer)
			cfg, _ := img.ConfigFile()
			cfg = cfg.DeepCopy()
			cfg.OS, cfg.Architecture = "linux", "amd64"
			img, _ = mutate.ConfigFile(img, cfg)
			dir := filepath.Join(t.TempDir(), "oci")
			lp, _ := layout.Write(dir, empty.Index)
			lp.AppendImage(img)
			items, err := Scan(context.Background(), []string{dir}, ScanOptions{})
			if err != nil || len(items) != 1 || !errors.Is(items[0].Err, ErrImage) || !strings.Contains(items[0].Err.Error(), tc.want) {
				t.Errorf("items %+v, %v: want an error saying %q", items, err, tc.want)
			}
		})
	}
	// A layer blob altered after the manifest was written.
	img := testImage(t, "amd64")
	dir := filepath.Join(t.TempDir(), "oci")
	lp, _ := layout.Write(dir, empty.Index)
	lp.AppendImage(img)
	layers, _ := img.Layers()
	d, _ := layers[0].Digest()
	blob := filepath.Join(dir, "blobs", "sha256", d.Hex)
	data, _ := os.ReadFile(blob)
	data[len(data)-10] ^= 0xff
	os.WriteFile(blob, data, 0o644)
	items, err := Scan(context.Background(), []string{dir}, ScanOptions{})
	found := false
	for _, it := range items {
		found = found || it.Err != nil && (strings.Contains(it.Err.Error(), "digest") || strings.Contains(it.Err.Error(), "gzip"))
	}
	if err != nil || !found {
		t.Errorf("an altered layer: items %+v, %v", items, err)
	}
}
