package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/internal/prefetch"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/binary"
	"github.com/ferroseal/ferroseal/sbom/cargo"
	"github.com/ferroseal/ferroseal/sbom/format"
)

const notAuditableHint = "build it with `cargo auditable build` (cargo install cargo-auditable) to embed its dependency list, " +
	"or pass --heuristic for a partial list recovered from the binary"

// parseSize parses a byte count with an optional KiB, MiB or GiB suffix.
func parseSize(s string) (int64, error) {
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"B", 1}} {
		if strings.HasSuffix(s, u.suffix) {
			s, mult = strings.TrimSuffix(s, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	if err != nil || n <= 0 || n > (1<<62)/mult {
		return 0, fmt.Errorf("invalid size %q (a number of bytes, with an optional KiB, MiB or GiB suffix)", s)
	}
	return n * mult, nil
}

func (a *app) binaryOptions(f *sbomFlags) (binary.ScanOptions, error) {
	var opts binary.ScanOptions
	var err error
	if opts.Auditable.MaxFileSize, err = parseSize(f.maxFileSize); err != nil {
		return opts, usageErrorf("--max-file-size: %v", err)
	}
	if opts.Auditable.MaxPayloadSize, err = parseSize(f.maxPayloadSize); err != nil {
		return opts, usageErrorf("--max-payload-size: %v", err)
	}
	for _, h := range f.hashes {
		alg, err := binary.ParseHashAlgorithm(h)
		if err != nil {
			return opts, withCode(exitUsage, err)
		}
		opts.Hashes = append(opts.Hashes, alg)
	}
	opts.Heuristic = f.heuristic
	opts.IgnoreCargoSBOM = f.noCargoSBOM
	opts.KnownSHA256 = prefetch.Take
	opts.Jobs = f.jobs
	if f.platform != "" {
		if opts.Platform, err = binary.ParsePlatform(f.platform); err != nil {
			return opts, withCode(exitUsage, err)
		}
	}
	return opts, nil
}

// reference reads what --lockfile or --manifest-path point at, as a document to enrich binaries' documents with.
func (a *app) reference(cmd *cobra.Command, f *sbomFlags) (*sbom.Document, string, error) {
	fl := cmd.Flags()
	switch {
	case fl.Changed("manifest-path"):
		docs, err := cargo.FromProject(cmd.Context(), cargo.ProjectOptions{
			Metadata:     cargo.MetadataOptions{ManifestPath: f.manifestPath, Locked: f.locked, Offline: f.offline, AllFeatures: true},
			Target:       "all",
			LockfilePath: f.lockfile,
			Documents:    cargo.Options{Workspace: true, IncludeDev: true},
		})
		if err != nil {
			return nil, "", err
		}
		return docs[0], f.manifestPath, nil
	case f.lockfile != "":
		lf, err := cargo.ReadLockfileFile(f.lockfile)
		if err != nil {
			return nil, "", err
		}
		doc, err := cargo.LockfileDocument(lf, cargo.LockfileOptions{})
		if err != nil {
			return nil, "", err
		}
		return doc, f.lockfile, nil
	}
	return nil, "", nil
}

func (a *app) runBinarySBOM(cmd *cobra.Command, f *sbomFlags, args []string) error {
	fl := cmd.Flags()
	for _, name := range []string{"metadata", "features", "no-default-features", "all-features", "package", "workspace", "include-dev", "target"} {
		if fl.Changed(name) {
			return usageErrorf("--%s describes a cargo project: it cannot be used with binaries", name)
		}
	}
	for _, arg := range args {
		switch filepath.Base(arg) {
		case "Cargo.toml":
			return usageErrorf("%s is a manifest, not a binary: ferroseal sbom --manifest-path %s describes its workspace", arg, arg)
		case "Cargo.lock":
			return usageErrorf("%s is a lockfile, not a binary: ferroseal sbom --lockfile %s describes it", arg, arg)
		}
	}
	outs, err := parseOutputs(f.outputs, f.outputDir)
	if err != nil {
		return err
	}
	prepare, err := f.prof.apply(outs, f.outputs, a.lookupEnv)
	if err != nil {
		return err
	}
	f.hashes = f.prof.hashes(f.hashes)
	created, reproducible, err := a.created()
	if err != nil {
		return err
	}
	opts, err := a.binaryOptions(f)
	if err != nil {
		return err
	}
	opts.Created = created
	ref, refName, err := a.reference(cmd, f)
	if err != nil {
		return err
	}

	// Progress, at most once a second, for long runs.
	var mu sync.Mutex
	last := time.Now()
	opts.Progress = func(done int, path string) {
		mu.Lock()
		defer mu.Unlock()
		if time.Since(last) >= time.Second {
			a.infof("read %d binaries (last: %s)", done, path)
			last = time.Now()
		}
	}
	// While the binaries are read (hashing them dominates), the encoders get ready on another core.
	fmts := make([]format.Format, len(outs))
	for i, o := range outs {
		fmts[i] = o.format
	}
	go format.Warm(fmts...)
	items, err := binary.Scan(cmd.Context(), args, opts)
	if err != nil {
		return err
	}

	// A file given by name, and whatever is inside an archive given by name, was asked for: a failure there fails
	// the run (a binary found while walking a directory is skipped with its reason instead).
	given := map[string]bool{}
	for _, arg := range args {
		given[arg] = true
	}
	explicit := map[string]bool{}
	for _, it := range items {
		outer, _, _ := strings.Cut(it.Path, "!/")
		outer, _, _ = strings.Cut(outer, "@") // one platform of a multi-platform image
		// An image holds binaries of every language: one without cargo-auditable data is listed, not an error.
		explicit[it.Path] = (given[it.Path] || given[outer]) && !(it.Image != nil && errors.Is(it.Err, auditable.ErrNotAuditable))
	}
	var (
		docs        []namedDoc
		paths       []string
		fatal       error
		notAudit    error
		sawBinaries int
	)
	names := map[string]int{}
	imageOthers := map[string][]string{}
	var imageKeys []string
	for _, it := range items {
		if it.Err != nil {
			switch {
			case errors.Is(it.Err, auditable.ErrNotAuditable) && it.Image != nil:
				// An image holds the binaries of every language: counted, then named in one line per image.
				key := it.Image.Name + " (" + it.Image.Platform + ")"
				if imageOthers[key] == nil {
					imageKeys = append(imageKeys, key)
				}
				imageOthers[key] = append(imageOthers[key], it.Image.Path)
			case errors.Is(it.Err, auditable.ErrNotAuditable):
				if len(items) > 1 {
					a.infof("skipped %s: no cargo-auditable dependency data", it.Path)
				}
				if explicit[it.Path] && notAudit == nil {
					notAudit = withCode(exitNotAuditable, fmt.Errorf("%s: no cargo-auditable dependency data: %s", it.Path, notAuditableHint))
				}
				sawBinaries++
			case errors.Is(it.Err, binary.ErrNotBinary) && !explicit[it.Path]:
			default:
				if len(items) > 1 {
					a.infof("skipped %s: %s", it.Path, strings.TrimPrefix(it.Err.Error(), it.Path+": "))
				}
				if explicit[it.Path] && fatal == nil {
					fatal = it.Err
				}
			}
			continue
		}
		sawBinaries++
		if it.Image != nil {
			continue // made into its image's document below
		}
		doc := it.Result.Doc
		if conflicts := it.Result.PrecursorConflicts; len(conflicts) > 0 {
			a.warnf("%s: cargo's SBOM precursor %s disagrees with the data the binary embeds, which is used: %s",
				it.Path, it.Result.Precursor, strings.Join(conflicts, "; "))
		} else if it.Result.File == nil && it.Result.Precursor != "" {
			a.warnf("%s: no cargo-auditable data: described from cargo's SBOM precursor %s, which nothing in the binary confirms", it.Path, it.Result.Precursor)
		}
		if ref != nil {
			for i, m := range sbom.Enrich(doc, ref) {
				if i == 10 {
					a.warnf("%s: and more disagreements with %s", it.Path, refName)
					break
				}
				a.warnf("%s disagrees with %s: %s", it.Path, refName, m.Message)
			}
		}
		if doc.Origin == sbom.OriginHeuristic && len(doc.Components) == 0 {
			a.warnf("%s: the heuristic found no crate in the binary: its SBOM lists the binary alone", it.Path)
		}
		name := it.Result.Artifact.Name
		names[name]++
		docs = append(docs, namedDoc{name: name, doc: doc})
		paths = append(paths, it.Path)
	}
	for _, key := range imageKeys {
		others := imageOthers[key]
		list := strings.Join(others[:min(len(others), 3)], ", ")
		if len(others) > 3 {
			list += fmt.Sprintf(" and %d more", len(others)-3)
		}
		what := "binaries"
		if len(others) == 1 {
			what = "binary"
		}
		a.infof("image %s: %d %s without cargo-auditable data left out (%s)", key, len(others), what, list)
	}
	// Each container image (each platform of one) is one document: the image, its Rust binaries, their crates.
	images, _ := binary.GroupByImage(items)
	for _, img := range images {
		doc := binary.ImageDocument(img.Image, img.Items, created)
		if len(doc.Subject.DependsOn) == 0 {
			a.infof("skipped image %s (%s): no binary with cargo-auditable data in it", img.Image.Name, img.Image.Platform)
			continue
		}
		if ref != nil {
			for _, m := range sbom.Enrich(doc, ref) {
				a.warnf("%s disagrees with %s: %s", img.Image.Name, refName, m.Message)
			}
		}
		name := img.Image.Name
		if len(images) > 1 && img.Image.Platform != "" {
			name += "-" + img.Image.Platform
		}
		names[name]++
		docs = append(docs, namedDoc{name: name, doc: doc})
		paths = append(paths, name)
	}
	// Names shared by binaries in different folders take their path instead.
	for i := range docs {
		if names[docs[i].name] > 1 {
			docs[i].name = strings.NewReplacer("/", "_", "!", "").Replace(paths[i])
		}
	}
	if fatal != nil {
		return fatal
	}
	if len(docs) == 0 {
		if notAudit != nil {
			return notAudit
		}
		if sawBinaries == 0 {
			return fmt.Errorf("no binaries or release archives in %s: nothing to describe", strings.Join(args, ", "))
		}
		return withCode(exitNotAuditable, fmt.Errorf("none of the binaries carries cargo-auditable dependency data: %s", notAuditableHint))
	}
	if f.merge && len(docs) > 1 {
		name := f.name
		if name == "" {
			name = strings.TrimSuffix(filepath.Base(filepath.Clean(args[0])), filepath.Ext(args[0]))
			name = strings.TrimSuffix(name, ".tar")
		}
		all := make([]*sbom.Document, len(docs))
		for i, d := range docs {
			all[i] = d.doc
		}
		docs = []namedDoc{{name: name, doc: sbom.MergeArtifacts(name, all, created)}}
	}
	for _, d := range docs {
		prepare(d.doc)
	}
	if err := a.writeDocuments(docs, outs, f.outputDir, a.tool(reproducible)); err != nil {
		return err
	}
	return notAudit
}
