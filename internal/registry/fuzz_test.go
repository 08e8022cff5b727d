package registry

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	v1 "github.com/google/go-containerregistry/pkg/v1"
)

// FuzzAnswers serves hostile bytes as a registry's manifests and referrers lists: Resolve and Referrers return
// an error or a bounded answer, never a panic.
func FuzzAnswers(f *testing.F) {
	f.Add([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:` + strings.Repeat("ab", 32) + `","size":1,"artifactType":"application/vnd.dev.sigstore.bundle.v0.3+json"}]}`))
	f.Add([]byte(`{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{},"layers":[{}]}`))
	f.Add([]byte(`{"manifests":[{"digest":"sha512:00"}]}`))
	var (
		mu   sync.Mutex
		body []byte
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		b := body
		mu.Unlock()
		if r.URL.Path == "/v2/" {
			return
		}
		w.Header().Set("Content-Type", "application/vnd.oci.image.index.v1+json")
		w.Write(b)
	}))
	defer srv.Close()
	host := strings.TrimPrefix(srv.URL, "http://")
	f.Fuzz(func(t *testing.T, data []byte) {
		mu.Lock()
		body = data
		mu.Unlock()
		rem, err := Resolve(context.Background(), host+"/repo:tag", Options{})
		if err != nil {
			return
		}
		if rem.Digest.Algorithm != "sha256" || len(rem.Raw) > MaxManifest {
			t.Fatalf("resolved to %v with %d bytes", rem.Digest, len(rem.Raw))
		}
		descs, err := rem.Referrers(context.Background(), v1.Hash{Algorithm: "sha256", Hex: strings.Repeat("cd", 32)})
		if err == nil && len(descs) > 4096 {
			t.Fatalf("%d referrers", len(descs))
		}
	})
}
