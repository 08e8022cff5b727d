package binary

import (
	"archive/tar"
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/tarball"

	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/limits"
	"github.com/ferroseal/ferroseal/internal/safetext"
)

// Container images are read from an OCI image layout (a directory, or a tar of one: what `docker save` writes
// since Docker 25, `podman save --format oci-archive` and `skopeo copy ... oci-archive:`), or from a docker-archive
// (`docker save` before Docker 25, `podman save`). Manifests, configs, indexes and platforms are go-containerregistry's
// types; layers are read from their blobs, each digest checked as it streams, decompressed under the image's
// budget, and walked from the top layer down, so that each path is read once, from the layer that provides it in
// the final filesystem, with the OCI whiteouts applied (.wh.NAME deletes NAME below, .wh..wh..opq empties a
// directory below). A binary found is read like any other, with the image and layer it came from.

// ImageInfo says which image, and which layer of it, a binary was found in.
type ImageInfo struct {
	// Name is the image's reference (a tag) when the archive records one, else the archive's or directory's name.
	Name string `json:"name"`
	// Manifest is the digest of the image manifest ("sha256:..."); empty for a docker-archive without one.
	Manifest string `json:"manifest,omitempty"`
	// Config is the digest of the image configuration: the image ID.
	Config string `json:"config"`
	// Platform is os/arch[/variant].
	Platform string `json:"platform,omitempty"`
	// Layer is the digest of the layer that provides the binary in the final filesystem, as the manifest lists it
	// (a diff ID for a docker-archive without manifest).
	Layer string `json:"layer,omitempty"`
	// Path is the binary's path in the image's filesystem.
	Path string `json:"path,omitempty"`
}

// ErrImage is wrapped by errors about an image's structure.
var ErrImage = errors.New("unusable container image")

// imageFormat is how an image archive or directory is laid out.
type imageFormat string

const (
	imageOCI    imageFormat = "oci"
	imageDocker imageFormat = "docker-archive"
)

// blobSource opens the blobs of an image archive or layout by digest.
type blobSource interface {
	open(name string) (io.ReadCloser, int64, error)
}

// dirBlobs is an OCI image layout directory.
type dirBlobs struct{ dir string }

func (d dirBlobs) open(name string) (io.ReadCloser, int64, error) {
	p := filepath.Join(d.dir, filepath.FromSlash(name))
	f, size, err := inputfile.Open(p)
	if err != nil {
		return nil, 0, err
	}
	return f, size, nil
}

// tarBlobs is an image archive: a tar whose entries are read in place, by their offsets.
type tarBlobs struct {
	f       *os.File
	entries map[string][2]int64 // name: offset, size
}

func (t *tarBlobs) open(name string) (io.ReadCloser, int64, error) {
	e, ok := t.entries[path.Clean(name)]
	if !ok {
		return nil, 0, fmt.Errorf("%w: no %s in the archive", ErrImage, safetext.Quote(name, 0))
	}
	return io.NopCloser(io.NewSectionReader(t.f, e[0], e[1])), e[1], nil
}

// indexTar lists an uncompressed tar's regular files with their offsets, seeking over their contents (tar.Reader
// skips data by seeking when it can, and reads headers without buffering, so the file's position after Next is
// the entry's data).
func indexTar(f *os.File) (map[string][2]int64, error) {
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return nil, err
	}
	tr := tar.NewReader(f)
	out := map[string][2]int64{}
	for n := 0; ; n++ {
		h, err := tr.Next()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if n >= limits.MaxArchiveEntries {
			return nil, fmt.Errorf("%w: more than %d entries", ErrImage, limits.MaxArchiveEntries)
		}
		if h.Typeflag != tar.TypeReg {
			continue
		}
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return nil, err
		}
		out[path.Clean(h.Name)] = [2]int64{off, h.Size}
	}
}

// imageArchiveFormat tells whether a tar file is an image archive, and which.
func imageArchiveFormat(entries map[string][2]int64) imageFormat {
	_, hasIndex := entries["index.json"]
	_, hasLayout := entries["oci-layout"]
	_, hasManifest := entries["manifest.json"]
	switch {
	case hasIndex && hasLayout:
		return imageOCI
	case hasManifest:
		return imageDocker
	}
	return ""
}

// isOCILayout reports an OCI image layout directory.
func isOCILayout(dir string) bool {
	for _, f := range []string{"oci-layout", "index.json"} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || !st.Mode().IsRegular() {
			return false
		}
	}
	return true
}

// maxImageJSON bounds an index, manifest or configuration read.
const maxImageJSON = 4 << 20

func readBlob(src blobSource, name string) ([]byte, error) {
	rc, size, err := src.open(name)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	if size > maxImageJSON {
		return nil, fmt.Errorf("%w: %s has %d bytes, more than %d", ErrImage, safetext.Quote(name, 0), size, maxImageJSON)
	}
	return io.ReadAll(io.LimitReader(rc, maxImageJSON))
}

// readDigested reads a blob by digest and checks it.
func readDigested(src blobSource, h v1.Hash) ([]byte, error) {
	if h.Algorithm != "sha256" {
		return nil, fmt.Errorf("%w: digest algorithm %s", ErrImage, safetext.Quote(h.Algorithm, 0))
	}
	data, err := readBlob(src, "blobs/sha256/"+h.Hex)
	if err != nil {
		return nil, err
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != h.Hex {
		return nil, fmt.Errorf("%w: blob %s does not match its digest", ErrImage, h)
	}
	return data, nil
}

// image is one platform's image, ready to walk.
type image struct {
	info   ImageInfo
	layers []imageLayer // bottom first
}

type imageLayer struct {
	name   string  // the blob's name in the layout or archive
	digest v1.Hash // checked as the blob streams; zero when the archive gives none (docker-archive layer.tar)
	label  string  // the layer's identity in documents
	size   int64   // the blob's size, as the manifest gives it (0 when not given)
}

// ociImages lists the images of an OCI layout (its index.json, with nested indexes), one per platform; platform,
// when set, keeps only the images that satisfy it.
func ociImages(src blobSource, name string, platform *v1.Platform) ([]image, error) {
	data, err := readBlob(src, "index.json")
	if err != nil {
		return nil, err
	}
	idx, err := v1.ParseIndexManifest(strings.NewReader(string(data)))
	if err != nil {
		return nil, fmt.Errorf("%w: index.json: %v", ErrImage, err)
	}
	var out []image
	var walk func(idx *v1.IndexManifest, depth int) error
	walk = func(idx *v1.IndexManifest, depth int) error {
		if depth > 4 {
			return fmt.Errorf("%w: indexes nested more than 4 deep", ErrImage)
		}
		for _, d := range idx.Manifests {
			if len(out) > 256 {
				return fmt.Errorf("%w: more than 256 images", ErrImage)
			}
			ref := name
			if r := d.Annotations["org.opencontainers.image.ref.name"]; r != "" {
				ref = r
				if !strings.ContainsAny(r, "/:") { // a tag alone (umoci, skopeo): the layout's name with it
					ref = name + ":" + r
				}
			}
			if n := d.Annotations["io.containerd.image.name"]; n != "" {
				ref = n
			}
			switch {
			case d.MediaType.IsIndex():
				raw, err := readDigested(src, d.Digest)
				if err != nil {
					return err
				}
				sub, err := v1.ParseIndexManifest(strings.NewReader(string(raw)))
				if err != nil {
					return fmt.Errorf("%w: index %s: %v", ErrImage, d.Digest, err)
				}
				if err := walk(sub, depth+1); err != nil {
					return err
				}
			case d.MediaType.IsImage():
				img, err := ociImage(src, d, ref)
				if err != nil {
					return err
				}
				if img == nil || platform != nil && !matchPlatform(img.info.Platform, platform) {
					continue
				}
				out = append(out, *img)
			}
		}
		return nil
	}
	if err := walk(idx, 0); err != nil {
		return nil, err
	}
	return dedupeImages(out), nil
}

// ociImage reads one image manifest and its configuration; an attestation manifest (no OS) is not an image to
// walk and gives nil.
func ociImage(src blobSource, d v1.Descriptor, ref string) (*image, error) {
	raw, err := readDigested(src, d.Digest)
	if err != nil {
		return nil, err
	}
	m, err := v1.ParseManifest(strings.NewReader(string(raw)))
	if err != nil {
		return nil, fmt.Errorf("%w: manifest %s: %v", ErrImage, d.Digest, err)
	}
	cfgRaw, err := readDigested(src, m.Config.Digest)
	if err != nil {
		return nil, err
	}
	cfg, err := v1.ParseConfigFile(strings.NewReader(string(cfgRaw)))
	if err != nil {
		return nil, fmt.Errorf("%w: config %s: %v", ErrImage, m.Config.Digest, err)
	}
	if cfg.OS == "" {
		return nil, nil // attestations and other artifacts stored as manifests
	}
	img := &image{info: ImageInfo{Name: ref, Manifest: d.Digest.String(), Config: m.Config.Digest.String(), Platform: platformOf(cfg)}}
	if len(m.Layers) > 1024 {
		return nil, fmt.Errorf("%w: %d layers", ErrImage, len(m.Layers))
	}
	for _, l := range m.Layers {
		if l.Digest.Algorithm != "sha256" {
			return nil, fmt.Errorf("%w: layer digest algorithm %s", ErrImage, safetext.Quote(l.Digest.Algorithm, 0))
		}
		img.layers = append(img.layers, imageLayer{name: "blobs/sha256/" + l.Digest.Hex, digest: l.Digest, label: l.Digest.String(), size: l.Size})
	}
	return img, nil
}

// dockerImages lists the images of a docker-archive (its manifest.json), whose layers are named by path and
// identified by the diff IDs of their configuration.
func dockerImages(src blobSource, name string, platform *v1.Platform) ([]image, error) {
	data, err := readBlob(src, "manifest.json")
	if err != nil {
		return nil, err
	}
	var m tarball.Manifest
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, fmt.Errorf("%w: manifest.json: %v", ErrImage, err)
	}
	if len(m) > 256 {
		return nil, fmt.Errorf("%w: more than 256 images", ErrImage)
	}
	var out []image
	for _, d := range m {
		cfgRaw, err := readBlob(src, d.Config)
		if err != nil {
			return nil, err
		}
		cfg, err := v1.ParseConfigFile(strings.NewReader(string(cfgRaw)))
		if err != nil {
			return nil, fmt.Errorf("%w: config %s: %v", ErrImage, safetext.Quote(d.Config, 0), err)
		}
		sum := sha256.Sum256(cfgRaw)
		ref := name
		if len(d.RepoTags) > 0 {
			ref = d.RepoTags[0]
		}
		img := image{info: ImageInfo{Name: ref, Config: "sha256:" + hex.EncodeToString(sum[:]), Platform: platformOf(cfg)}}
		if len(d.Layers) > 1024 || len(cfg.RootFS.DiffIDs) != len(d.Layers) {
			return nil, fmt.Errorf("%w: %d layers for %d diff IDs", ErrImage, len(d.Layers), len(cfg.RootFS.DiffIDs))
		}
		for i, l := range d.Layers {
			layer := imageLayer{name: l, label: cfg.RootFS.DiffIDs[i].String()}
			// Docker 25 names layers blobs/sha256/DIGEST: their digest is their name.
			if hexDigest, ok := strings.CutPrefix(path.Clean(l), "blobs/sha256/"); ok && len(hexDigest) == 64 {
				layer.digest = v1.Hash{Algorithm: "sha256", Hex: hexDigest}
			}
			img.layers = append(img.layers, layer)
		}
		if platform != nil && !matchPlatform(img.info.Platform, platform) {
			continue
		}
		out = append(out, img)
	}
	return dedupeImages(out), nil
}

func platformOf(cfg *v1.ConfigFile) string {
	p := v1.Platform{OS: cfg.OS, Architecture: cfg.Architecture, Variant: cfg.Variant}
	return p.String()
}

func matchPlatform(have string, want *v1.Platform) bool {
	p, err := v1.ParsePlatform(have)
	return err == nil && p.Satisfies(*want)
}

// dedupeImages drops an image listed twice (a multi-platform index and its own tag naming one platform).
func dedupeImages(imgs []image) []image {
	seen := map[string]bool{}
	var out []image
	for _, img := range imgs {
		key := img.info.Config + "|" + img.info.Platform
		if seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, img)
	}
	return out
}

// ParsePlatform reads an os/arch[/variant] platform.
func ParsePlatform(s string) (*v1.Platform, error) {
	p, err := v1.ParsePlatform(s)
	if err != nil || p.OS == "" || p.Architecture == "" {
		return nil, fmt.Errorf("platform %q: want os/arch or os/arch/variant, like linux/amd64", s)
	}
	return p, nil
}

// scanImages walks the images of an archive or layout: each platform's final filesystem, top layer first.
func (s *archiveScan) scanImages(src blobSource, imgs []image, display, label string, b *archiveBudget) error {
	if len(imgs) == 0 {
		return fmt.Errorf("%s: %w: no image (for this platform)", display, ErrImage)
	}
	for _, img := range imgs {
		d, l := display, label
		if len(imgs) > 1 {
			d, l = display+"@"+img.info.Platform, label+"@"+img.info.Platform
		}
		if err := s.walkImage(src, img, d, l, b); err != nil {
			return err
		}
	}
	return nil
}

// layerFS is what the layers above the one being read leave of the filesystem below: the paths they provide
// (any entry: a file, a directory, a link), those they delete, and the directories they make opaque.
type layerFS struct {
	present, deleted, opaque map[string]bool
	nonDir                   map[string]bool // present paths that are not directories: nothing below them survives
}

func newLayerFS() *layerFS {
	return &layerFS{present: map[string]bool{}, deleted: map[string]bool{}, opaque: map[string]bool{}, nonDir: map[string]bool{}}
}

// visible reports whether a path a lower layer provides is in the final filesystem.
func (fs *layerFS) visible(p string) bool {
	if fs.present[p] || fs.deleted[p] {
		return false
	}
	for dir := path.Dir(p); dir != "." && dir != "/"; dir = path.Dir(dir) {
		if fs.deleted[dir] || fs.opaque[dir] || fs.nonDir[dir] {
			return false
		}
	}
	return !fs.opaque["."] // a whiteout of the root directory's contents
}

// walkImage reads one image's layers from the top down and extracts the binaries of its final filesystem.
func (s *archiveScan) walkImage(src blobSource, img image, display, label string, b *archiveBudget) error {
	return s.finalFiles(src, img, display, b, func(name string, h *tar.Header, r io.Reader, layer imageLayer) error {
		br := bufio.NewReaderSize(r, 4096)
		head, _ := br.Peek(sniffLen)
		if classifyKind(head) != kindBinary {
			return nil
		}
		if h.Size > s.maxEntry() {
			return fmt.Errorf("%s!/%s: image file of %d bytes, the limit is %d", display, name, h.Size, s.maxEntry())
		}
		info := img.info
		info.Layer, info.Path = layer.label, "/"+name
		return s.extractImageFile(br, display, label, name, info)
	})
}

// finalFiles calls f for each regular file of an image's final filesystem, from the topmost layer that provides
// its path, unless a layer above deletes it or makes its directory opaque: the layers are read from the top
// down, each once.
func (s *archiveScan) finalFiles(src blobSource, img image, display string, b *archiveBudget, f func(name string, h *tar.Header, r io.Reader, layer imageLayer) error) error {
	above := newLayerFS()
	for i := len(img.layers) - 1; i >= 0; i-- {
		layer := img.layers[i]
		this := newLayerFS()
		err := s.walkLayer(src, layer, func(name string, h *tar.Header, r io.Reader) error {
			if this.present[name] {
				return fmt.Errorf("%s: %w: layer %s has two entries named %s", display, ErrImage, layer.label, safetext.Quote(name, 0))
			}
			base, dir := path.Base(name), path.Dir(name)
			switch {
			case base == ".wh..wh..opq":
				this.opaque[dir] = true
				return nil
			case strings.HasPrefix(base, ".wh."):
				this.deleted[path.Join(dir, strings.TrimPrefix(base, ".wh."))] = true
				return nil
			}
			this.present[name] = true
			if h.Typeflag != tar.TypeDir {
				this.nonDir[name] = true
			}
			if !above.visible(name) {
				return nil
			}
			switch h.Typeflag {
			case tar.TypeReg, tar.TypeGNUSparse:
				return f(name, h, r, layer)
			}
			return nil
		}, display, b)
		if err != nil {
			return err
		}
		for p := range this.present {
			above.present[p] = true
		}
		for p := range this.nonDir {
			above.nonDir[p] = true
		}
		for p := range this.deleted {
			above.deleted[p] = true
		}
		for p := range this.opaque {
			above.opaque[p] = true
		}
	}
	return nil
}

// walkLayer streams one layer blob: digest checked at its end, decompressed by what its first bytes announce,
// every decompressed byte counted, its entries' names cleaned into the image's root.
func (s *archiveScan) walkLayer(src blobSource, layer imageLayer, f func(name string, h *tar.Header, r io.Reader) error, display string, b *archiveBudget) error {
	rc, _, err := src.open(layer.name)
	if err != nil {
		return fmt.Errorf("%s: layer %s: %w", display, layer.label, err)
	}
	defer rc.Close()
	var r io.Reader = rc
	if layer.size > 0 {
		// A blob is read for the size its manifest gives, never more: a registry that keeps sending is cut off,
		// and the digest decides whether what was read is the layer.
		r = io.LimitReader(rc, layer.size)
	}
	var check *digestReader
	if layer.digest.Hex != "" {
		check = &digestReader{r: r, h: sha256.New(), want: layer.digest.Hex}
		r = check
	}
	br := bufio.NewReaderSize(r, 64<<10)
	head, _ := br.Peek(sniffLen)
	var content io.Reader = br
	if k := classifyKind(head); k.compressed() {
		dr, err := decompress(k, br)
		if err != nil {
			return fmt.Errorf("%s: layer %s: %s: %w", display, layer.label, k, err)
		}
		defer dr.Close()
		content = dr
	}
	tr := tar.NewReader(&budgetReader{r: content, b: b, display: display})
	for {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			if errors.Is(err, ErrArchive) {
				return err
			}
			return fmt.Errorf("%s: layer %s: tar: %w", display, layer.label, err)
		}
		if b.entries++; b.entries > limits.MaxArchiveEntries {
			return fmt.Errorf("%s: %w: more than %d entries", display, ErrArchive, limits.MaxArchiveEntries)
		}
		raw := strings.ReplaceAll(h.Name, "\\", "/")
		if slices.Contains(strings.Split(raw, "/"), "..") {
			return fmt.Errorf("%s: %w: layer %s: entry %s reaches above the root", display, ErrImage, layer.label, safetext.Quote(h.Name, 0))
		}
		name := path.Clean("/" + raw)[1:]
		if name == "" {
			continue
		}
		if err := f(name, h, tr); err != nil {
			return err
		}
	}
	if check != nil {
		if _, err := io.Copy(io.Discard, br); err != nil { // the rest of the blob, for its digest
			return fmt.Errorf("%s: layer %s: %w", display, layer.label, err)
		}
		if err := check.verify(); err != nil {
			return fmt.Errorf("%s: %w: layer %s: %v", display, ErrImage, layer.label, err)
		}
	}
	return nil
}

// digestReader hashes what it reads, to be checked against the digest the manifest gives.
type digestReader struct {
	r    io.Reader
	h    hash.Hash
	want string
}

func (d *digestReader) Read(p []byte) (int, error) {
	n, err := d.r.Read(p)
	d.h.Write(p[:n])
	return n, err
}

func (d *digestReader) verify() error {
	if got := hex.EncodeToString(d.h.Sum(nil)); got != d.want {
		return fmt.Errorf("the blob's digest is sha256:%s, the manifest says sha256:%s", got, d.want)
	}
	return nil
}

// extractImageFile copies one binary of an image to a temporary file and sends it to be read.
func (s *archiveScan) extractImageFile(r io.Reader, display, label, name string, info ImageInfo) error {
	tmp, err := os.CreateTemp(s.tmpDir, "entry-*")
	if err != nil {
		return err
	}
	n, err := io.Copy(tmp, io.LimitReader(r, s.maxEntry()+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > s.maxEntry() {
		err = fmt.Errorf("%s!/%s: more than %d bytes", display, name, s.maxEntry())
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return s.send(task{file: tmp.Name(), display: display + "!/" + name, tmp: true, image: &info,
		art: Artifact{Name: path.Base(name), Path: label + "!/" + name}})
}

// scanImageTar reads an image archive: an OCI layout in a tar, or a docker-archive.
func (s *archiveScan) scanImageTar(file, display, label string, f *os.File, entries map[string][2]int64, format imageFormat, b *archiveBudget) error {
	src := &tarBlobs{f: f, entries: entries}
	name := strings.TrimSuffix(filepath.Base(file), ".tar")
	var imgs []image
	var err error
	if format == imageOCI {
		imgs, err = ociImages(src, name, s.platform)
	} else {
		imgs, err = dockerImages(src, name, s.platform)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", display, err)
	}
	return s.scanImages(src, imgs, display, label, b)
}

// scanOCILayout reads an OCI image layout directory.
func (s *archiveScan) scanOCILayout(dir, display, label string) error {
	src := dirBlobs{dir: dir}
	imgs, err := ociImages(src, filepath.Base(filepath.Clean(dir)), s.platform)
	if err != nil {
		return fmt.Errorf("%s: %w", display, err)
	}
	if s.tag != "" {
		imgs = slices.DeleteFunc(imgs, func(img image) bool { return !strings.HasSuffix(img.info.Name, ":"+s.tag) })
	}
	var total int64
	for _, img := range imgs {
		for _, l := range img.layers {
			if st, err := os.Stat(filepath.Join(dir, filepath.FromSlash(l.name))); err == nil {
				total += st.Size()
			}
		}
	}
	return s.scanImages(src, imgs, display, label, newArchiveBudget(total))
}
