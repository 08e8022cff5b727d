package main

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ferroseal/ferroseal/internal/atomicfile"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/format"
)

// outputSpec is one -o FORMAT[=FILE].
type outputSpec struct {
	format format.Format
	// path is "" or "-" for stdout; it may hold {name}, replaced by each document's name.
	path string
}

const outputFlagHelp = `output FORMAT[=FILE], repeatable; FORMAT is cyclonedx-json (default, spec 1.6; @1.7, @1.5, @1.4),
cyclonedx-xml, spdx-json (2.3), spdx-tag-value or spdx3-json (3.0.1) (short: cdx, cdx-xml, spdx-tv, spdx3); FILE may contain {name},
replaced by each document's name; no FILE (or -) is stdout`

// parseOutputs parses the -o flags. It rejects, before any work is done, two formats on stdout when there is no
// --output-dir to send them to.
func parseOutputs(specs []string, outDir string) ([]outputSpec, error) {
	if len(specs) == 0 {
		specs = []string{"cyclonedx-json"}
	}
	var outs []outputSpec
	for _, s := range specs {
		name, path, _ := strings.Cut(s, "=")
		f, err := format.Parse(name)
		if err != nil {
			return nil, withCode(exitUsage, err)
		}
		if path == "-" {
			path = ""
		}
		if path == "" && outDir == "" && len(outs) > 0 && slices.ContainsFunc(outs, func(o outputSpec) bool { return o.path == "" }) {
			return nil, usageErrorf("more than one -o writes to stdout: give each format but one a file (-o FORMAT=FILE)")
		}
		outs = append(outs, outputSpec{format: f, path: path})
	}
	return outs, nil
}

// namedDoc is a document and the name its output files take.
type namedDoc struct {
	name string
	doc  *sbom.Document
}

// writeDocuments writes every document in every output format: to the spec's file ({name} expanded), to outDir
// as NAME.EXT when the spec names no file and outDir is set, else to stdout. Files are replaced atomically.
func (a *app) writeDocuments(docs []namedDoc, outs []outputSpec, outDir string, tool format.Tool) error {
	type target struct {
		path string
		doc  *sbom.Document
		f    format.Format
	}
	var targets []target
	seen := map[string]bool{}
	fs := make([]format.Format, len(outs))
	for i, o := range outs {
		fs[i] = o.format
	}
	exts := format.Exts(fs)
	for oi, o := range outs {
		for _, d := range docs {
			path := strings.ReplaceAll(o.path, "{name}", safeFileName(d.name))
			switch {
			case path == "" && outDir != "":
				path = filepath.Join(outDir, safeFileName(d.name)+exts[oi])
			case path == "" && len(docs) > 1:
				return usageErrorf("%d documents (%s) cannot all go to stdout: use --output-dir DIR, or -o %s=FILE with {name} in FILE",
					len(docs), docNames(docs), o.format)
			case path != "" && len(docs) > 1 && !strings.Contains(o.path, "{name}"):
				return usageErrorf("%d documents (%s) cannot all be written to %s: put {name} in the file name, or use --output-dir DIR",
					len(docs), docNames(docs), o.path)
			}
			switch {
			case seen[path] && path == "":
				return usageErrorf("more than one -o writes to stdout: give each format but one a file (-o FORMAT=FILE)")
			case seen[path]:
				return usageErrorf("two documents would be written to %s", path)
			}
			seen[path] = true
			targets = append(targets, target{path: path, doc: d.doc, f: o.format})
		}
	}
	if outDir != "" {
		if err := os.MkdirAll(outDir, 0o755); err != nil {
			return fmt.Errorf("creating the output directory: %w", err)
		}
	}
	for _, t := range targets {
		if t.path == "" {
			var buf bytes.Buffer // encode whole before writing, so a failure leaves no partial document
			if err := format.Encode(&buf, t.doc, t.f, tool); err != nil {
				return err
			}
			if _, err := a.stdout.Write(buf.Bytes()); err != nil {
				return fmt.Errorf("writing to stdout: %w", err)
			}
			continue
		}
		err := atomicfile.Write(t.path, 0o644, func(w io.Writer) error { return format.Encode(w, t.doc, t.f, tool) })
		if err != nil {
			return err
		}
		a.notef("wrote %s", t.path)
	}
	return nil
}

func docNames(docs []namedDoc) string {
	var names []string
	for i, d := range docs {
		if i == 5 {
			names = append(names, fmt.Sprintf("and %d more", len(docs)-5))
			break
		}
		names = append(names, d.name)
	}
	return strings.Join(names, ", ")
}

// safeFileName makes a document name usable as one file name component.
func safeFileName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '/' || r == '\\' || r == ':' || r < 0x20:
			return '_'
		}
		return r
	}, s)
	if s == "" || s == "." || s == ".." {
		s = "_"
	}
	return s
}
