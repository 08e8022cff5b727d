package audit

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/ferroseal/ferroseal/advisory"
)

// DefaultDatabaseURL is the RustSec database as GitHub serves its main branch: a gzipped tarball.
const DefaultDatabaseURL = "https://github.com/rustsec/advisory-db/archive/refs/heads/main.tar.gz"

// Bounds on a fetched database.
const (
	maxTarball   = 256 << 20
	maxExtracted = 1 << 30
	maxEntries   = 200_000
)

// ErrDigestMismatch: the tarball is not the one pinned.
var ErrDigestMismatch = errors.New("the downloaded database does not have the pinned digest")

// Fetch downloads a gzipped tarball of the database over HTTPS (plain HTTP only from this machine, for tests),
// checks its SHA-256 against wantSHA256 when one is given, unpacks it (its single top directory stripped, as
// GitHub's tarballs have one) into a new directory, checks that it holds advisories, and only then puts it in
// place of dir. It returns the tarball's SHA-256.
func Fetch(ctx context.Context, client *http.Client, rawURL, dir, wantSHA256 string) (string, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return "", fmt.Errorf("--db-url %q: %v", rawURL, err)
	}
	if u.Scheme != "https" && !(u.Scheme == "http" && isLoopback(u.Hostname())) {
		return "", fmt.Errorf("--db-url %s: the database is fetched over HTTPS only", rawURL)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("fetching the advisory database: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("fetching the advisory database from %s: %s", u.Redacted(), resp.Status)
	}
	parent := filepath.Dir(filepath.Clean(dir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.CreateTemp(parent, ".advisory-db-*.tar.gz")
	if err != nil {
		return "", err
	}
	defer os.Remove(tmp.Name())
	defer tmp.Close()
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(tmp, h), io.LimitReader(resp.Body, maxTarball+1))
	if err != nil {
		return "", fmt.Errorf("fetching the advisory database: %w", err)
	}
	if n > maxTarball {
		return "", fmt.Errorf("the advisory database at %s is larger than %d bytes", u.Redacted(), maxTarball)
	}
	sum := hex.EncodeToString(h.Sum(nil))
	if wantSHA256 != "" && !strings.EqualFold(strings.TrimPrefix(wantSHA256, "sha256:"), sum) {
		return sum, fmt.Errorf("%w: sha256:%s, want %s", ErrDigestMismatch, sum, wantSHA256)
	}
	if _, err := tmp.Seek(0, io.SeekStart); err != nil {
		return "", err
	}
	work, err := os.MkdirTemp(parent, ".advisory-db-new-*")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(work)
	if err := untar(tmp, work); err != nil {
		return "", fmt.Errorf("the advisory database from %s: %w", u.Redacted(), err)
	}
	if _, err := advisory.Load(work); err != nil {
		return "", fmt.Errorf("the advisory database from %s: %w", u.Redacted(), err)
	}
	old := ""
	if _, err := os.Stat(dir); err == nil {
		old = dir + ".old"
		os.RemoveAll(old)
		if err := os.Rename(dir, old); err != nil {
			return "", err
		}
	}
	if err := os.Rename(work, dir); err != nil {
		if old != "" {
			os.Rename(old, dir)
		}
		return "", err
	}
	if old != "" {
		os.RemoveAll(old)
	}
	return sum, nil
}

func isLoopback(host string) bool {
	ip := net.ParseIP(host)
	return host == "localhost" || ip != nil && ip.IsLoopback()
}

// untar unpacks a gzipped tarball's regular files and directories under dst, its first path component stripped;
// links, devices and paths leaving dst are refused.
func untar(r io.Reader, dst string) error {
	gz, err := gzip.NewReader(r)
	if err != nil {
		return fmt.Errorf("not a gzipped tarball: %v", err)
	}
	tr := tar.NewReader(gz)
	var total int64
	for entries := 0; ; entries++ {
		hdr, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading the tarball: %v", err)
		}
		if entries >= maxEntries {
			return fmt.Errorf("more than %d entries", maxEntries)
		}
		name := path.Clean(strings.TrimPrefix(hdr.Name, "./"))
		if strings.HasPrefix(name, "/") || name == ".." || strings.HasPrefix(name, "../") {
			return fmt.Errorf("entry %q leaves the directory", hdr.Name)
		}
		_, rest, ok := strings.Cut(name, "/")
		if !ok || rest == "" {
			continue // the top directory itself, or a file beside it
		}
		target := filepath.Join(dst, filepath.FromSlash(rest))
		switch hdr.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(target, 0o755); err != nil {
				return err
			}
		case tar.TypeReg:
			if total += hdr.Size; hdr.Size < 0 || total > maxExtracted {
				return fmt.Errorf("more than %d bytes unpacked", maxExtracted)
			}
			if err := os.MkdirAll(filepath.Dir(target), 0o755); err != nil {
				return err
			}
			f, err := os.OpenFile(target, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
			if err != nil {
				return err
			}
			_, err = io.Copy(f, io.LimitReader(tr, hdr.Size))
			if cerr := f.Close(); err == nil {
				err = cerr
			}
			if err != nil {
				return err
			}
		case tar.TypeXGlobalHeader:
		default:
			// Links and devices have no place in an advisory database: skipped.
		}
	}
}
