// Package repourl parses the ways a git repository is named: URLs (https, http, ssh, git, with or without cargo's
// and SLSA's "git+" prefix), git's scp-like syntax ([user@]host:path), and the bare HOST/PATH form slsa-verifier
// takes. Provenance writes a repository with it and verification compares two with it, so that one parser decides
// what names the same repository.
package repourl

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// ErrInvalid is wrapped by every parse error.
var ErrInvalid = errors.New("not a repository URL")

// Repo is a parsed repository name.
type Repo struct {
	// Scheme is https or http: what the repository is fetched over on the web (ssh and git remotes become https).
	Scheme string
	// Host is the host name in lower case, with a port only when it is not the scheme's default.
	Host string
	// Path is the repository's path without leading or trailing slashes and without a ".git" suffix.
	Path string
	// Ref is what followed an "@" after the path (a ref or commit, as SLSA's git+URL@REF writes it), or "".
	Ref string
}

// String returns HOST/PATH, the form policies compare.
func (r Repo) String() string { return r.Host + "/" + r.Path }

// URL returns the repository as a git+https URL (git+http for an http remote).
func (r Repo) URL() string { return "git+" + r.Scheme + "://" + r.Host + "/" + r.Path }

// Parse parses a repository name. It refuses local paths, file URLs, and anything without a host and a path.
func Parse(s string) (Repo, error) {
	in := s
	s = strings.TrimPrefix(strings.TrimSpace(s), "git+")
	if s == "" {
		return Repo{}, fmt.Errorf("%w: empty", ErrInvalid)
	}
	var r Repo
	switch {
	case strings.Contains(s, "://"):
		u, err := url.Parse(s)
		if err != nil {
			return Repo{}, fmt.Errorf("%w: %q: %v", ErrInvalid, in, err)
		}
		port := u.Port()
		switch u.Scheme {
		case "https":
			r.Scheme = "https"
			if port == "443" {
				port = ""
			}
		case "http":
			r.Scheme = "http"
			if port == "80" {
				port = ""
			}
		case "ssh", "git":
			// The port of an ssh or git remote is not the web's.
			r.Scheme, port = "https", ""
		default:
			return Repo{}, fmt.Errorf("%w: %q: scheme %q (want https, http, ssh or git)", ErrInvalid, in, u.Scheme)
		}
		r.Host = strings.ToLower(u.Hostname())
		if strings.Contains(r.Host, ":") {
			r.Host = "[" + r.Host + "]"
		}
		if port != "" {
			r.Host += ":" + port
		}
		r.Path = u.Path
		if u.RawQuery != "" || u.Fragment != "" {
			return Repo{}, fmt.Errorf("%w: %q: a repository URL has no query or fragment", ErrInvalid, in)
		}
	case scpLike(s):
		// [user@]host:path, as git reads it: a colon before any slash.
		host, path, _ := strings.Cut(s, ":")
		if i := strings.LastIndex(host, "@"); i >= 0 {
			host = host[i+1:]
		}
		r.Scheme, r.Host, r.Path = "https", strings.ToLower(host), path
	default:
		host, path, ok := strings.Cut(s, "/")
		if !ok || !(strings.Contains(host, ".") || strings.HasPrefix(strings.ToLower(host), "localhost")) {
			return Repo{}, fmt.Errorf("%w: %q: want HOST/PATH, a URL, or [user@]host:path", ErrInvalid, in)
		}
		r.Scheme, r.Host, r.Path = "https", strings.ToLower(host), path
	}
	if !validHost(r.Host) {
		return Repo{}, fmt.Errorf("%w: %q: invalid host %q", ErrInvalid, in, r.Host)
	}
	path, ref, _ := strings.Cut(r.Path, "@")
	path = strings.TrimSuffix(strings.Trim(path, "/"), ".git")
	path = strings.Trim(path, "/")
	if path == "" {
		return Repo{}, fmt.Errorf("%w: %q: no repository path", ErrInvalid, in)
	}
	for _, seg := range strings.Split(path, "/") {
		if seg == "" || seg == "." || seg == ".." || strings.Trim(seg, pathChars) != "" {
			return Repo{}, fmt.Errorf("%w: %q: invalid path", ErrInvalid, in)
		}
	}
	if strings.ContainsFunc(ref, func(c rune) bool { return c <= ' ' || c == 0x7f }) {
		return Repo{}, fmt.Errorf("%w: %q: invalid ref", ErrInvalid, in)
	}
	r.Path, r.Ref = path, ref
	return r, nil
}

// pathChars are the characters of a repository path's segments.
const pathChars = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~+"

// scpLike reports git's scp-like syntax: a colon before the first slash, and not a one-letter "host" (a Windows
// drive letter).
func scpLike(s string) bool {
	colon := strings.IndexByte(s, ':')
	slash := strings.IndexByte(s, '/')
	if colon < 0 || (slash >= 0 && slash < colon) {
		return false
	}
	host := s[:colon]
	if i := strings.LastIndex(host, "@"); i >= 0 {
		host = host[i+1:]
	}
	return len(host) > 1
}

// validHost accepts DNS names and IPv4 addresses, with an optional port, and bracketed IPv6 addresses.
func validHost(h string) bool {
	if h == "" {
		return false
	}
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 2 || strings.Trim(h[1:end], "0123456789abcdef:.") != "" {
			return false
		}
		rest := h[end+1:]
		if rest == "" {
			return true
		}
		n, err := strconv.Atoi(strings.TrimPrefix(rest, ":"))
		return strings.HasPrefix(rest, ":") && err == nil && n >= 1 && n <= 65535
	}
	name, port, hasPort := strings.Cut(h, ":")
	if hasPort {
		n, err := strconv.Atoi(port)
		if err != nil || n < 1 || n > 65535 || strings.Trim(port, "0123456789") != "" {
			return false
		}
	}
	if name == "" || len(name) > 253 {
		return false
	}
	for _, label := range strings.Split(name, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, c := range label {
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Same reports whether two repository names name the same repository: equal hosts (case-insensitive) and equal
// paths (exactly). A name that does not parse is never the same as anything.
func Same(a, b string) bool {
	ra, err := Parse(a)
	if err != nil {
		return false
	}
	rb, err := Parse(b)
	if err != nil {
		return false
	}
	return ra.Host == rb.Host && ra.Path == rb.Path
}
