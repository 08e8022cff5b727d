// Package registry is a small client of the OCI distribution API for what ferroseal does with registries: resolve a
// reference once (a tag to a digest), fetch manifests and blobs with bounded reads and checked digests, and list a
// manifest's referrers (the referrers API, or the referrers tag schema where a registry has none). Credentials are
// the user's Docker configuration and credential helpers; plain HTTP is used for registries on this machine only.
package registry

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/google/go-containerregistry/pkg/authn"
	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/remote/transport"
	"github.com/google/go-containerregistry/pkg/v1/types"

	"github.com/ferroseal/ferroseal/internal/safetext"
)

// ErrRegistry is wrapped by errors about what a registry served.
var ErrRegistry = errors.New("unusable registry answer")

// MaxManifest bounds a manifest or index read from a registry.
const MaxManifest = 4 << 20

// Options say how to reach registries.
type Options struct {
	// Keychain finds credentials for a registry: the Docker configuration and its credential helpers
	// (authn.DefaultKeychain) when nil.
	Keychain authn.Keychain
	// Transport is the HTTP transport (http.DefaultTransport when nil).
	Transport http.RoundTripper
}

// Remote is an image manifest (or index) in a registry, its tag resolved to a digest once.
type Remote struct {
	// Ref is the reference as given; Repo the repository; Digest what the reference named when it was resolved.
	Ref    name.Reference
	Repo   name.Repository
	Digest v1.Hash
	// MediaType and Raw are the manifest or index as fetched.
	MediaType types.MediaType
	Raw       []byte

	client *http.Client
	base   string
}

// Client is the repository's authenticated HTTP client (for go-containerregistry's transport, its own).
func (r *Remote) Client() *http.Client { return r.client }

var manifestAccept = strings.Join([]string{string(types.OCIImageIndex), string(types.OCIManifestSchema1), string(types.DockerManifestList),
	string(types.DockerManifestSchema2)}, ", ")

// Resolve fetches what a reference names (a tag is resolved to the digest of what it names now, once; everything
// after uses the digest), with the repository's pull credentials.
func Resolve(ctx context.Context, ref string, opts Options) (*Remote, error) {
	r, err := name.ParseReference(ref)
	if err != nil {
		return nil, fmt.Errorf("%s is not an image reference (HOST/REPO:TAG or HOST/REPO@sha256:HEX): %v", safetext.Quote(ref, 0), err)
	}
	rem, err := Connect(ctx, r.Context(), opts, transport.PullScope)
	if err != nil {
		return nil, err
	}
	rem.Ref = r
	raw, mt, digest, err := rem.Manifest(ctx, r.Identifier())
	if err != nil {
		return nil, err
	}
	if d, ok := r.(name.Digest); ok && d.DigestStr() != digest.String() {
		return nil, fmt.Errorf("%s: %w: the registry served %s for %s", ref, ErrRegistry, digest, d.DigestStr())
	}
	rem.Raw, rem.MediaType, rem.Digest = raw, mt, digest
	return rem, nil
}

// Connect makes an authenticated client for a repository, with the given scope (pull, or push too).
func Connect(ctx context.Context, repo name.Repository, opts Options, actions ...string) (*Remote, error) {
	kc := opts.Keychain
	if kc == nil {
		kc = authn.DefaultKeychain
	}
	auth, err := kc.Resolve(repo.Registry)
	if err != nil {
		return nil, fmt.Errorf("credentials for %s: %w", repo.RegistryStr(), err)
	}
	base := opts.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	var scopes []string
	for _, a := range actions {
		scopes = append(scopes, repo.Scope(a))
	}
	rt, err := transport.NewWithContext(ctx, repo.Registry, auth, base, scopes)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", repo.RegistryStr(), err)
	}
	return &Remote{Repo: repo, client: &http.Client{Transport: rt}, base: scheme(repo.Registry) + "://" + repo.RegistryStr() + "/v2/" + repo.RepositoryStr()}, nil
}

// scheme is https, except for a registry on this machine.
func scheme(reg name.Registry) string {
	host, _, err := net.SplitHostPort(reg.RegistryStr())
	if err != nil {
		host = reg.RegistryStr()
	}
	if ip := net.ParseIP(host); host == "localhost" || ip != nil && ip.IsLoopback() {
		return "http"
	}
	return "https"
}

// Manifest fetches a manifest or index by tag or digest: at most MaxManifest bytes, checked against the digest
// when one was asked for.
func (r *Remote) Manifest(ctx context.Context, ref string) ([]byte, types.MediaType, v1.Hash, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/manifests/"+ref, nil)
	if err != nil {
		return nil, "", v1.Hash{}, err
	}
	req.Header.Set("Accept", manifestAccept)
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, "", v1.Hash{}, fmt.Errorf("%s: %w", r.Repo, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusNotFound {
		return nil, "", v1.Hash{}, fmt.Errorf("%s:%s: %w: %w", r.Repo, safetext.Quote(ref, 0), ErrRegistry, errNotFound)
	}
	if resp.StatusCode != http.StatusOK {
		return nil, "", v1.Hash{}, fmt.Errorf("%s:%s: %w: the registry answered %s", r.Repo, safetext.Quote(ref, 0), ErrRegistry, resp.Status)
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, MaxManifest+1))
	if err != nil {
		return nil, "", v1.Hash{}, err
	}
	if len(raw) > MaxManifest {
		return nil, "", v1.Hash{}, fmt.Errorf("%s: %w: a manifest of more than %d bytes", r.Repo, ErrRegistry, MaxManifest)
	}
	sum := sha256.Sum256(raw)
	digest := v1.Hash{Algorithm: "sha256", Hex: hex.EncodeToString(sum[:])}
	if strings.HasPrefix(ref, "sha256:") && ref != digest.String() {
		return nil, "", v1.Hash{}, fmt.Errorf("%s: %w: manifest %s does not match its digest", r.Repo, ErrRegistry, safetext.Quote(ref, 0))
	}
	mt := types.MediaType(strings.TrimSpace(strings.Split(resp.Header.Get("Content-Type"), ";")[0]))
	var probe struct {
		MediaType types.MediaType `json:"mediaType"`
	}
	if json.Unmarshal(raw, &probe) == nil && probe.MediaType != "" {
		mt = probe.MediaType
	}
	return raw, mt, digest, nil
}

// Blob opens a blob by digest, streaming; the caller checks the digest as it reads (or reads it with ReadBlob).
func (r *Remote) Blob(ctx context.Context, digest v1.Hash) (io.ReadCloser, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/blobs/"+digest.String(), nil)
	if err != nil {
		return nil, 0, err
	}
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", r.Repo, err)
	}
	if resp.StatusCode != http.StatusOK {
		resp.Body.Close()
		return nil, 0, fmt.Errorf("%s: %w: blob %s: the registry answered %s", r.Repo, ErrRegistry, digest, resp.Status)
	}
	return resp.Body, resp.ContentLength, nil
}

// ReadBlob reads a whole blob of at most max bytes and checks its digest.
func (r *Remote) ReadBlob(ctx context.Context, digest v1.Hash, max int64) ([]byte, error) {
	if digest.Algorithm != "sha256" {
		return nil, fmt.Errorf("%w: digest algorithm %s", ErrRegistry, safetext.Quote(digest.Algorithm, 0))
	}
	rc, _, err := r.Blob(ctx, digest)
	if err != nil {
		return nil, err
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("%s: %w: blob %s has more than %d bytes", r.Repo, ErrRegistry, digest, max)
	}
	if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != digest.Hex {
		return nil, fmt.Errorf("%s: %w: blob %s does not match its digest", r.Repo, ErrRegistry, digest)
	}
	return data, nil
}

// Referrers lists the manifests that refer to a digest: from the referrers API, else from the referrers tag
// schema's index (sha256-HEX); none when neither exists.
func (r *Remote) Referrers(ctx context.Context, digest v1.Hash) ([]v1.Descriptor, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.base+"/referrers/"+digest.String(), nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Accept", string(types.OCIImageIndex))
	resp, err := r.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", r.Repo, err)
	}
	var raw []byte
	switch resp.StatusCode {
	case http.StatusOK:
		raw, err = io.ReadAll(io.LimitReader(resp.Body, MaxManifest+1))
		resp.Body.Close()
		if err != nil {
			return nil, err
		}
		if len(raw) > MaxManifest {
			return nil, fmt.Errorf("%s: %w: a referrers list of more than %d bytes", r.Repo, ErrRegistry, MaxManifest)
		}
	case http.StatusNotFound, http.StatusBadRequest, http.StatusMethodNotAllowed:
		resp.Body.Close()
		var mt types.MediaType
		raw, mt, _, err = r.Manifest(ctx, "sha256-"+digest.Hex)
		if errors.Is(err, errNotFound) {
			return nil, nil
		}
		if err != nil {
			return nil, err
		}
		if !mt.IsIndex() {
			return nil, fmt.Errorf("%s: %w: the referrers tag sha256-%s is not an index", r.Repo, ErrRegistry, digest.Hex)
		}
	default:
		resp.Body.Close()
		return nil, fmt.Errorf("%s: %w: referrers of %s: the registry answered %s", r.Repo, ErrRegistry, digest, resp.Status)
	}
	idx, err := v1.ParseIndexManifest(bytes.NewReader(raw))
	if err != nil {
		return nil, fmt.Errorf("%s: %w: referrers of %s: %v", r.Repo, ErrRegistry, digest, err)
	}
	if len(idx.Manifests) > 4096 {
		return nil, fmt.Errorf("%s: %w: %d referrers", r.Repo, ErrRegistry, len(idx.Manifests))
	}
	return idx.Manifests, nil
}

var errNotFound = errors.New("not found")
