// Command mkimage writes the container image `make bench` measures: an OCI image layout of about 200 MB of
// gzip-compressed layers, holding five Rust binaries with cargo-auditable data among a few thousand other files
// (text, incompressible data, 200 ELF binaries without data), with a layer that deletes and replaces files.
// Its content is a function of the binaries given (the rest is pseudo-random from a fixed seed).
//
//	mkimage -o DIR RUST_BINARY...
package main

import (
	"archive/tar"
	"compress/gzip"
	"flag"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/ferroseal/ferroseal/internal/elfgen"
)

type file struct {
	name string
	data []byte
}

// layer writes the files as a tar in dir and returns it as a gzip-compressed layer.
func layer(dir, name string, files []file) (v1.Layer, error) {
	p := filepath.Join(dir, name+".tar")
	f, err := os.Create(p)
	if err != nil {
		return nil, err
	}
	tw := tar.NewWriter(f)
	dirs := map[string]bool{}
	for _, fl := range files {
		for d := filepath.Dir(fl.name); d != "." && !dirs[d]; d = filepath.Dir(d) {
			dirs[d] = true
		}
	}
	for d := range dirs {
		if err := tw.WriteHeader(&tar.Header{Name: d + "/", Typeflag: tar.TypeDir, Mode: 0o755}); err != nil {
			return nil, err
		}
	}
	for _, fl := range files {
		if err := tw.WriteHeader(&tar.Header{Name: fl.name, Typeflag: tar.TypeReg, Mode: 0o755, Size: int64(len(fl.data))}); err != nil {
			return nil, err
		}
		if _, err := tw.Write(fl.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	if err := f.Close(); err != nil {
		return nil, err
	}
	return tarball.LayerFromFile(p, tarball.WithCompressionLevel(gzip.BestSpeed))
}

func main() {
	out := flag.String("o", "bench-out/image-200mb", "OCI image layout directory to write")
	flag.Parse()
	if flag.NArg() != 5 {
		fmt.Fprintln(os.Stderr, "usage: mkimage -o DIR RUST_BINARY x5")
		os.Exit(2)
	}
	if err := run(*out, flag.Args()); err != nil {
		fmt.Fprintln(os.Stderr, "mkimage:", err)
		os.Exit(1)
	}
}

func run(out string, rust []string) error {
	rng := rand.New(rand.NewChaCha8([32]byte{'f', 'e', 'r', 'r', 'o', 's', 'e', 'a', 'l'}))
	random := func(n int) []byte {
		b := make([]byte, n)
		for i := 0; i+8 <= n; i += 8 {
			v := rng.Uint64()
			for j := range 8 {
				b[i+j] = byte(v >> (8 * j))
			}
		}
		return b
	}
	words := []string{"the", "crate", "binary", "layer", "image", "config", "service", "data", "release", "index"}
	text := func(n int) []byte {
		b := make([]byte, 0, n+16)
		for len(b) < n {
			b = append(b, words[rng.IntN(len(words))]...)
			b = append(b, ' ')
		}
		return b[:n]
	}
	tmp, err := os.MkdirTemp("", "mkimage-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)

	var base, libs, app, patch []file
	for i := range 1000 {
		base = append(base, file{fmt.Sprintf("usr/share/doc/pkg%03d/notes-%d.txt", i/10, i), text(4<<10 + rng.IntN(24<<10))})
	}
	for i := range 1800 {
		base = append(base, file{fmt.Sprintf("usr/share/assets/a%02d/blob-%d.bin", i/100, i), random(48<<10 + rng.IntN(48<<10))})
	}
	for i := range 200 { // ELF binaries without cargo-auditable data: every one is read, none described
		libs = append(libs, file{fmt.Sprintf("usr/lib/x86_64-linux-gnu/lib%03d.so", i), elfgen.Build(elfgen.Section{Name: ".rodata", Data: random(64<<10 + rng.IntN(320<<10))})})
	}
	for i, p := range rust {
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		app = append(app, file{fmt.Sprintf("usr/local/bin/%d-%s", i, filepath.Base(p)), data})
	}
	// A later layer deletes some files and replaces one binary: whiteouts, and a path in two layers.
	patch = append(patch, file{"usr/share/doc/pkg000/.wh.notes-0.txt", nil}, file{"usr/share/assets/a00/.wh..wh..opq", nil}, app[4])

	var layers []v1.Layer
	for i, fs := range [][]file{base, libs, app, patch} {
		l, err := layer(tmp, fmt.Sprint(i), fs)
		if err != nil {
			return err
		}
		layers = append(layers, l)
	}
	img, err := mutate.AppendLayers(empty.Image, layers...)
	if err != nil {
		return err
	}
	cfg, err := img.ConfigFile()
	if err != nil {
		return err
	}
	cfg = cfg.DeepCopy()
	cfg.OS, cfg.Architecture = "linux", "amd64"
	if img, err = mutate.ConfigFile(img, cfg); err != nil {
		return err
	}
	os.RemoveAll(out)
	p, err := layout.Write(out, empty.Index)
	if err != nil {
		return err
	}
	if err := p.AppendImage(img, layout.WithAnnotations(map[string]string{"org.opencontainers.image.ref.name": "bench:latest"})); err != nil {
		return err
	}
	var total int64
	for _, l := range layers {
		n, _ := l.Size()
		total += n
	}
	fmt.Fprintf(os.Stderr, "mkimage: %s, %d layers, %.0f MB of compressed layers\n", out, len(layers), float64(total)/1e6)
	return nil
}
