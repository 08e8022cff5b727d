// Package audit is ferroseal audit's work: it reads what is to be audited (binaries, archives, directories,
// container images, SBOMs of any tool, Cargo.lock files) into documents, the ignore list in cargo-audit's
// audit.toml form, and the advisory database (fetched over HTTPS when asked), and runs package advisory on them.
package audit

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/ferroseal/ferroseal/advisory"
	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/safetext"
	"github.com/ferroseal/ferroseal/release"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/binary"
	"github.com/ferroseal/ferroseal/sbom/cargo"
	"github.com/ferroseal/ferroseal/sbom/format"
)

// Input is one thing audited: its path as given and the document of its crates.
type Input struct {
	Path string
	Doc  *sbom.Document
	// Kind says what it was read as: binary, archive, image, sbom or lockfile.
	Kind string
}

// ReadOptions bound what Read reads.
type ReadOptions struct {
	// MaxSBOMSize bounds an SBOM file.
	MaxSBOMSize int64
	// Created is the documents' time.
	Created time.Time
	// Log receives what was skipped, one sentence at a time.
	Log func(format string, args ...any)
	// Heuristic reads a binary without cargo-auditable data for the crates its registry paths name (panic
	// messages, debug info): a partial list, marked incomplete, better than none.
	Heuristic bool
}

// Read reads each path into the documents to audit: a Cargo.lock (by name), an SBOM (CycloneDX, SPDX 2 or 3, by
// content), a binary or release archive (one document with the file's digests), a directory (every binary and
// archive directly in it), or a container image (an OCI layout or image archive). A binary without cargo-auditable
// data, given by name, is an error wrapping auditable.ErrNotAuditable.
func Read(ctx context.Context, paths []string, opts ReadOptions) ([]Input, error) {
	logf := opts.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	algs := []sbom.HashAlgorithm{sbom.SHA256, sbom.SHA512}
	var out []Input
	for _, p := range paths {
		if strings.HasPrefix(p, binary.RegistryPrefix) || strings.HasPrefix(p, binary.LayoutPrefix) || strings.HasPrefix(p, binary.DockerArchivePrefix) {
			docs, err := images(ctx, p, algs, opts.Created)
			if err != nil {
				return nil, err
			}
			for _, d := range docs {
				out = append(out, Input{Path: p, Doc: d, Kind: "image"})
			}
			continue
		}
		st, err := os.Stat(p)
		if err != nil {
			return nil, err
		}
		switch {
		case !st.IsDir() && filepath.Base(p) == "Cargo.lock":
			lf, err := cargo.ReadLockfileFile(p)
			if err != nil {
				return nil, err
			}
			doc, err := cargo.LockfileDocument(lf, cargo.LockfileOptions{})
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			doc.Subject.Name = p
			out = append(out, Input{Path: p, Doc: doc, Kind: "lockfile"})
		case !st.IsDir() && looksLikeSBOM(p):
			data, err := inputfile.ReadAll(p, opts.MaxSBOMSize)
			if err != nil {
				return nil, err
			}
			doc, _, err := format.Decode(data)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", p, err)
			}
			out = append(out, Input{Path: p, Doc: doc, Kind: "sbom"})
		case st.IsDir() && isImageLayout(p):
			docs, err := images(ctx, p, algs, opts.Created)
			if err != nil {
				return nil, err
			}
			for _, d := range docs {
				out = append(out, Input{Path: p, Doc: d, Kind: "image"})
			}
		case st.IsDir():
			files, err := release.Expand([]string{p})
			if err != nil {
				return nil, err
			}
			if len(files) == 0 {
				return nil, fmt.Errorf("%s: no binary or archive in the directory", p)
			}
			for _, f := range files {
				doc, err := release.Document(ctx, f, algs, opts.Created)
				if errors.Is(err, auditable.ErrNotAuditable) {
					logf("skipped %s: no cargo-auditable dependency data", safetext.Quote(f, 0))
					continue
				}
				if err != nil {
					return nil, err
				}
				out = append(out, Input{Path: f, Doc: doc, Kind: kindOf(doc)})
			}
		default:
			doc, err := release.Document(ctx, p, algs, opts.Created)
			if errors.Is(err, auditable.ErrNotAuditable) && opts.Heuristic {
				res, herr := binary.ReadFile(p, binary.Options{Hashes: algs, Created: opts.Created, Heuristic: true})
				if herr != nil {
					return nil, herr
				}
				logf("%s carries no cargo-auditable data: audited for the crates its registry paths name (a partial list)", safetext.Quote(p, 0))
				doc, err = res.Doc, nil
			}
			if err != nil {
				return nil, err
			}
			out = append(out, Input{Path: p, Doc: doc, Kind: kindOf(doc)})
		}
	}
	return out, nil
}

func kindOf(doc *sbom.Document) string {
	if doc.Subject.Type == sbom.TypeFile || doc.Subject.Type == sbom.TypeContainer {
		return "archive"
	}
	return "binary"
}

// looksLikeSBOM reports whether a file starts as an SBOM does (JSON, XML or SPDX tag-value), where no binary or
// archive starts.
func looksLikeSBOM(path string) bool {
	f, _, err := inputfile.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	head := make([]byte, 512)
	n, _ := io.ReadFull(f, head)
	t := bytes.TrimLeft(head[:n], " \t\r\n\ufeff")
	return len(t) > 0 && (t[0] == '{' || t[0] == '<' || bytes.HasPrefix(t, []byte("SPDXVersion")) || bytes.HasPrefix(t, []byte("##")))
}

func isImageLayout(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, "oci-layout"))
	return err == nil
}

// images reads the Rust binaries of an image (an OCI layout, an image archive, or registry:REF): one document per
// image (per platform).
func images(ctx context.Context, input string, algs []sbom.HashAlgorithm, created time.Time) ([]*sbom.Document, error) {
	imgs, err := binary.ScanImages(ctx, input, binary.ScanOptions{Options: binary.Options{Hashes: algs, Created: created}})
	if err != nil {
		return nil, err
	}
	var docs []*sbom.Document
	for _, img := range imgs {
		docs = append(docs, binary.ImageDocument(img.Image, img.Items, created))
	}
	return docs, nil
}

// Ignore reads an ignore list in cargo-audit's audit.toml form: [advisories] ignore = ["RUSTSEC-...", ...]; an entry
// may also be a table { id = "RUSTSEC-...", reason = "..." } (as cargo-deny writes it), whose reason is recorded.
func Ignore(path string) (map[string]string, error) {
	data, err := inputfile.ReadAll(path, 1<<20)
	if err != nil {
		return nil, err
	}
	var f struct {
		Advisories struct {
			Ignore []any `toml:"ignore"`
		} `toml:"advisories"`
	}
	if _, err := toml.Decode(string(data), &f); err != nil {
		return nil, fmt.Errorf("%s: %v", path, err)
	}
	out := map[string]string{}
	for _, e := range f.Advisories.Ignore {
		switch v := e.(type) {
		case string:
			out[v] = "ignored in " + filepath.Base(path)
		case map[string]any:
			id, _ := v["id"].(string)
			reason, _ := v["reason"].(string)
			if id == "" {
				return nil, fmt.Errorf("%s: an ignore entry without id", path)
			}
			if reason == "" {
				reason = "ignored in " + filepath.Base(path)
			}
			out[id] = reason
		default:
			return nil, fmt.Errorf("%s: [advisories] ignore holds %T: want advisory ids", path, e)
		}
	}
	for id := range out {
		if len(id) > 64 || id == "" {
			return nil, fmt.Errorf("%s: %q is not an advisory id", path, safetext.Line(id, 64))
		}
	}
	return out, nil
}

// Run audits every input against the database.
func Run(db *advisory.DB, inputs []Input, opts advisory.Options) []*advisory.Report {
	var out []*advisory.Report
	for _, in := range inputs {
		o := opts
		if o.Symbols == nil && (in.Kind == "binary") {
			o.Symbols = advisory.Symbols(in.Path)
		}
		r := advisory.Audit(db, in.Doc, o)
		r.Path = in.Path
		out = append(out, r)
	}
	return out
}
