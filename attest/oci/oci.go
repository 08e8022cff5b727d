// Package oci attaches Sigstore bundles to container images as OCI 1.1 referrers, the way cosign v3 does (its
// bundle specification: an artifact manifest of type application/vnd.dev.sigstore.bundle.v0.3+json whose one
// layer is the bundle and whose subject is the image), and finds them again: from the referrers API, or from the
// referrers tag schema on registries without it. What it finds is evidence to verify, never trusted as found.
package oci

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/authn"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote"
	"github.com/google/go-containerregistry/pkg/v1/static"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/ferroseal/ferroseal/internal/registry"
	"github.com/ferroseal/ferroseal/internal/safetext"
)

// Media and artifact types of the bundle specification.
const (
	// BundleType is a Sigstore bundle's media type, and the artifact type of the manifest that carries it.
	BundleType = "application/vnd.dev.sigstore.bundle.v0.3+json"
	// EmptyType is the OCI empty descriptor's media type: the configuration of an artifact manifest.
	EmptyType = "application/vnd.oci.empty.v1+json"
	// MaxBundle bounds a bundle read from a registry.
	MaxBundle = 16 << 20
	// maxReferrers bounds the referrers of one image read.
	maxReferrers = 1024
)

// artifactManifest is the manifest of an attached bundle.
type artifactManifest struct {
	SchemaVersion int               `json:"schemaVersion"`
	MediaType     types.MediaType   `json:"mediaType"`
	ArtifactType  string            `json:"artifactType"`
	Config        v1.Descriptor     `json:"config"`
	Layers        []v1.Descriptor   `json:"layers"`
	Subject       *v1.Descriptor    `json:"subject,omitempty"`
	Annotations   map[string]string `json:"annotations,omitempty"`
}

type taggable struct{ raw []byte }

func (t taggable) RawManifest() ([]byte, error)        { return t.raw, nil }
func (t taggable) MediaType() (types.MediaType, error) { return types.OCIManifestSchema1, nil }

// Attach pushes a bundle as a referrer of the image rem names (the digest its reference was resolved to), with the
// annotations the bundle specification gives (content, predicate type, time). On a registry without the referrers
// API, the referrers tag (sha256-HEX) is updated as the distribution specification's fallback says. It returns the
// digest of the artifact manifest.
func Attach(ctx context.Context, rem *registry.Remote, bundle []byte, predicateType string, created time.Time, opts registry.Options) (v1.Hash, error) {
	kc := opts.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	ro := []remote.Option{remote.WithContext(ctx), remote.WithAuthFromKeychain(kc)}
	if opts.Transport != nil {
		ro = append(ro, remote.WithTransport(opts.Transport))
	}
	blob := static.NewLayer(bundle, types.MediaType(BundleType))
	empty := static.NewLayer([]byte("{}"), types.MediaType(EmptyType))
	for _, l := range []v1.Layer{blob, empty} {
		if err := remote.WriteLayer(rem.Repo, l, ro...); err != nil {
			return v1.Hash{}, fmt.Errorf("pushing to %s: %w", rem.Repo, err)
		}
	}
	bd, _ := blob.Digest()
	ed, _ := empty.Digest()
	m := artifactManifest{
		SchemaVersion: 2, MediaType: types.OCIManifestSchema1, ArtifactType: BundleType,
		Config: v1.Descriptor{MediaType: types.MediaType(EmptyType), Digest: ed, Size: 2},
		Layers: []v1.Descriptor{{MediaType: types.MediaType(BundleType), Digest: bd, Size: int64(len(bundle)),
			Annotations: map[string]string{"org.opencontainers.image.title": bd.Algorithm + "-" + bd.Hex + ".sigstore.json"}}},
		Subject: &v1.Descriptor{MediaType: rem.MediaType, Digest: rem.Digest, Size: int64(len(rem.Raw))},
		Annotations: map[string]string{
			"dev.sigstore.bundle.content":       "dsse-envelope",
			"dev.sigstore.bundle.predicateType": predicateType,
			"org.opencontainers.image.created":  created.UTC().Format(time.RFC3339),
		},
	}
	raw, err := json.Marshal(m)
	if err != nil {
		return v1.Hash{}, err
	}
	h, _, err := v1.SHA256(strings.NewReader(string(raw)))
	if err != nil {
		return v1.Hash{}, err
	}
	if err := remote.Put(rem.Repo.Digest(h.String()), taggable{raw}, ro...); err != nil {
		return v1.Hash{}, fmt.Errorf("attaching to %s@%s: %w", rem.Repo, rem.Digest, err)
	}
	return h, nil
}

// Referrer is one manifest that refers to an image: an attached bundle, or something else (listed, not used).
type Referrer struct {
	Digest        v1.Hash
	ArtifactType  string
	PredicateType string
	// Bundle is the bundle it carries, when it is one; Err says why it could not be read, or why it is not the
	// image's (a manifest whose subject is another digest).
	Bundle []byte
	Err    error
}

// Bundles lists the image's referrers and reads the bundles among them: each manifest is fetched by its digest
// and must name the image as its subject; each bundle blob is bounded and checked against its digest.
func Bundles(ctx context.Context, rem *registry.Remote) ([]Referrer, error) {
	descs, err := rem.Referrers(ctx, rem.Digest)
	if err != nil {
		return nil, err
	}
	var out []Referrer
	for _, d := range descs {
		r := Referrer{Digest: d.Digest, ArtifactType: d.ArtifactType, PredicateType: d.Annotations["dev.sigstore.bundle.predicateType"]}
		// Some registries list a referrer's configuration type instead of its artifact type: the manifest says.
		if d.ArtifactType != BundleType && d.ArtifactType != EmptyType && d.ArtifactType != "" {
			out = append(out, r)
			continue
		}
		if len(out) >= maxReferrers {
			return nil, fmt.Errorf("%s@%s: more than %d referrers", rem.Repo, rem.Digest, maxReferrers)
		}
		raw, _, got, err := rem.Manifest(ctx, d.Digest.String())
		if err != nil {
			r.Err = err
			out = append(out, r)
			continue
		}
		var m artifactManifest
		if json.Unmarshal(raw, &m) == nil && m.ArtifactType != BundleType {
			r.ArtifactType = m.ArtifactType
			out = append(out, r)
			continue
		}
		r.ArtifactType = BundleType
		switch {
		case got != d.Digest:
			r.Err = fmt.Errorf("manifest %s does not match its digest", d.Digest)
		case json.Unmarshal(raw, &m) != nil:
			r.Err = fmt.Errorf("manifest %s is not JSON", d.Digest)
		case m.Subject == nil || m.Subject.Digest != rem.Digest:
			r.Err = fmt.Errorf("manifest %s refers to another image (%s), not %s", d.Digest, subjectOf(m), rem.Digest)
		case len(m.Layers) != 1 || string(m.Layers[0].MediaType) != BundleType:
			r.Err = fmt.Errorf("manifest %s does not hold one bundle layer", d.Digest)
		}
		if r.Err == nil {
			r.Bundle, r.Err = rem.ReadBlob(ctx, m.Layers[0].Digest, MaxBundle)
		}
		out = append(out, r)
	}
	return out, nil
}

func subjectOf(m artifactManifest) string {
	if m.Subject == nil {
		return "none"
	}
	return safetext.Line(m.Subject.Digest.String(), 80)
}
