package binary

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/ferroseal/ferroseal/internal/testregistry"
)

// Images in a registry are read as in a layout: one image, or one per platform of an index (or the platform asked
// for), the binaries of its final filesystem with the manifest digest the tag resolved to.
func TestScanRegistry(t *testing.T) {
	host := testregistry.GGCR(t)
	read := func(name string) []byte {
		data, err := os.ReadFile(filepath.Join(fixtures, name))
		if err != nil {
			t.Fatal(err)
		}
		return data
	}
	amd := testregistry.Image(t, "linux/amd64", testregistry.File{Path: "/usr/bin/app", Data: read("x86_64-linux.elf")}, testregistry.File{Path: "/etc/motd", Data: []byte("hi")})
	arm := testregistry.Image(t, "linux/arm64", testregistry.File{Path: "/usr/bin/app", Data: read("aarch64-linux.elf")})
	single := testregistry.Push(t, host+"/app:1.0", amd)
	multi := testregistry.PushIndex(t, host+"/multi:1.0", map[string]v1.Image{"linux/amd64": amd, "linux/arm64": arm})

	items, err := Scan(context.Background(), []string{RegistryPrefix + host + "/app:1.0"}, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(items) != 1 || items[0].Err != nil || items[0].Image == nil || items[0].Image.Manifest != single.String() || items[0].Image.Path != "/usr/bin/app" {
		t.Fatalf("single image: %+v", items)
	}
	items, err = Scan(context.Background(), []string{RegistryPrefix + host + "/multi:1.0"}, ScanOptions{})
	if err != nil {
		t.Fatal(err)
	}
	platforms := map[string]bool{}
	for _, it := range items {
		if it.Err != nil {
			t.Fatal(it.Err)
		}
		platforms[it.Image.Platform] = true
	}
	if len(items) != 2 || !platforms["linux/amd64"] || !platforms["linux/arm64"] {
		t.Errorf("index: %d items, platforms %v", len(items), platforms)
	}
	p, _ := ParsePlatform("linux/arm64")
	items, _ = Scan(context.Background(), []string{RegistryPrefix + host + "/multi@" + multi.String()}, ScanOptions{Platform: p})
	if len(items) != 1 || items[0].Image.Platform != "linux/arm64" {
		t.Errorf("--platform: %+v", items)
	}
	items, _ = Scan(context.Background(), []string{RegistryPrefix + host + "/missing:1.0"}, ScanOptions{})
	if len(items) != 1 || items[0].Err == nil || !strings.Contains(items[0].Err.Error(), "missing") {
		t.Errorf("a missing image: %+v", items)
	}
}
