package binary

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"sync"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/ferroseal/ferroseal/internal/registry"
	"github.com/ferroseal/ferroseal/internal/safetext"
)

// Image references, named as syft names them.
const (
	// RegistryPrefix marks an image in a registry: registry:HOST/REPO:TAG or registry:HOST/REPO@sha256:HEX.
	RegistryPrefix = "registry:"
	// LayoutPrefix marks an OCI image layout directory: oci-layout:DIR[:TAG].
	LayoutPrefix = "oci-layout:"
	// DockerArchivePrefix marks a docker-archive file: docker-archive:FILE.
	DockerArchivePrefix = "docker-archive:"
)

// registryBlobs serves an image in a registry as an OCI layout would: index.json (the index the reference names,
// or one made for the single manifest it names), manifests by digest, and blobs streamed from the registry.
type registryBlobs struct {
	ctx context.Context
	r   *registry.Remote

	mu        sync.Mutex
	manifests map[string]bool // digests known to name manifests or indexes
	index     []byte
}

func newRegistryBlobs(ctx context.Context, r *registry.Remote) (*registryBlobs, error) {
	b := &registryBlobs{ctx: ctx, r: r, manifests: map[string]bool{}}
	if r.MediaType.IsIndex() {
		b.index = r.Raw
	} else {
		idx := v1.IndexManifest{SchemaVersion: 2, MediaType: types.OCIImageIndex, Manifests: []v1.Descriptor{{
			MediaType: r.MediaType, Digest: r.Digest, Size: int64(len(r.Raw)),
		}}}
		data, err := json.Marshal(idx)
		if err != nil {
			return nil, err
		}
		b.index = data
		b.manifests[r.Digest.Hex] = true
	}
	b.register(b.index)
	return b, nil
}

// register notes the manifests an index lists.
func (b *registryBlobs) register(raw []byte) {
	idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, d := range idx.Manifests {
		if d.Digest.Algorithm == "sha256" {
			b.manifests[d.Digest.Hex] = true
		}
	}
}

func (b *registryBlobs) open(nm string) (io.ReadCloser, int64, error) {
	if nm == "index.json" {
		return io.NopCloser(bytes.NewReader(b.index)), int64(len(b.index)), nil
	}
	hexDigest, ok := strings.CutPrefix(nm, "blobs/sha256/")
	if !ok {
		return nil, 0, fmt.Errorf("%w: no %s in a registry", ErrImage, safetext.Quote(nm, 0))
	}
	b.mu.Lock()
	isManifest := b.manifests[hexDigest]
	b.mu.Unlock()
	if isManifest {
		raw, mt, _, err := b.r.Manifest(b.ctx, "sha256:"+hexDigest)
		if err != nil {
			return nil, 0, err
		}
		if mt.IsIndex() {
			b.register(raw)
		}
		return io.NopCloser(bytes.NewReader(raw)), int64(len(raw)), nil
	}
	return b.r.Blob(b.ctx, v1.Hash{Algorithm: "sha256", Hex: hexDigest})
}

// scanRegistry reads the images a registry reference names: one per platform of an index (or the platform asked
// for), layers streamed from the registry, each digest checked.
func (s *archiveScan) scanRegistry(ref, display, label string, opts registry.Options) error {
	rem, err := registry.Resolve(s.ctx, ref, opts)
	if err != nil {
		return fmt.Errorf("%s: %w", display, err)
	}
	src, err := newRegistryBlobs(s.ctx, rem)
	if err != nil {
		return err
	}
	nm := rem.Repo.Name()
	if t, ok := rem.Ref.(name.Tag); ok {
		nm += ":" + t.TagStr()
	}
	imgs, err := ociImages(src, nm, s.platform)
	if err != nil {
		return fmt.Errorf("%s: %w", display, err)
	}
	var total int64
	for _, img := range imgs {
		for _, l := range img.layers {
			total += l.size
		}
	}
	return s.scanImages(src, imgs, display, label, newArchiveBudget(total))
}
