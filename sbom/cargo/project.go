package cargo

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/ferroseal/ferroseal/sbom"
)

// ProjectOptions say how to read a cargo project and what documents to build from it.
type ProjectOptions struct {
	// Metadata are the arguments of the cargo metadata run (FilterPlatform is set from Target).
	Metadata MetadataOptions
	// Target is "" for the host's triple, "all" for every platform, or a target triple.
	Target string
	// MetadataJSON, when not nil, supplies pre-generated `cargo metadata` JSON instead of running cargo, and
	// MetadataName names it in errors. Target then only labels the documents: the JSON is taken as generated for it.
	MetadataJSON io.Reader
	MetadataName string
	// LockfilePath is the Cargo.lock to take checksums from; "" means the one in the workspace root, when present.
	LockfilePath string
	// Documents choose the documents (Target, AllTargets and Lockfile are filled in here).
	Documents Options
}

// FromProject reads a cargo project (running cargo metadata, or from its JSON) and its Cargo.lock, and builds its
// documents with [Documents].
func FromProject(ctx context.Context, opts ProjectOptions) ([]*sbom.Document, error) {
	var (
		md  *Metadata
		err error
	)
	dopts := opts.Documents
	switch {
	case opts.Target == "all":
		dopts.AllTargets = true
	case opts.Target != "":
		dopts.Target = opts.Target
	}
	if opts.MetadataJSON != nil {
		md, err = ReadMetadata(opts.MetadataJSON)
		if err != nil {
			err = fmt.Errorf("reading %s: %w", opts.MetadataName, err)
		}
	} else {
		mo := opts.Metadata
		if opts.Target == "" {
			rc, rerr := RustcInfo(ctx)
			if rerr != nil {
				return nil, rerr
			}
			dopts.Target = rc.Host
		}
		mo.FilterPlatform = dopts.Target
		md, err = RunMetadata(ctx, mo)
	}
	if err != nil {
		return nil, err
	}
	lockPath := opts.LockfilePath
	if lockPath == "" && md.WorkspaceRoot != "" {
		candidate := filepath.Join(md.WorkspaceRoot, "Cargo.lock")
		if _, err := os.Stat(candidate); err == nil {
			lockPath = candidate
		} else if !errors.Is(err, fs.ErrNotExist) {
			return nil, err
		}
	}
	if lockPath != "" {
		lf, err := ReadLockfileFile(lockPath)
		if err != nil {
			return nil, err
		}
		dopts.Lockfile = lf
	}
	return Documents(md, dopts)
}
