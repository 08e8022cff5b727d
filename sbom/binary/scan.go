package binary

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	v1 "github.com/google/go-containerregistry/pkg/v1"

	"github.com/ferroseal/ferroseal/internal/cleanup"
	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/limits"
	"github.com/ferroseal/ferroseal/internal/registry"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
)

// MaxDefaultJobs bounds how many binaries are read at once when ScanOptions.Jobs does not say: reading and
// hashing files keeps a few cores busy on any disk, and each binary in flight holds its buffers, so more cores add
// memory and no speed.
const MaxDefaultJobs = 4

// ScanOptions say how to scan files, directories and archives.
type ScanOptions struct {
	Options
	// Jobs is the number of binaries read at once; 0 means GOMAXPROCS, at most MaxDefaultJobs.
	Jobs int
	// Progress, when set, is called after each binary is read, from one goroutine at a time.
	Progress func(done int, path string)
	// Platform, when set, keeps only the images of that platform of a multi-platform image.
	Platform *v1.Platform
	// Registry says how to reach registries, for inputs named registry:REF.
	Registry registry.Options
}

// Item is one binary a scan met: read, or not, with the reason.
type Item struct {
	// Path is the binary's path: as given, under a directory given, or ARCHIVE!/ENTRY inside an archive.
	Path   string
	Result *Result
	// Err is why there is no result: wraps auditable.ErrNotAuditable for a binary without data.
	Err error
	// Image says which container image, and which layer of it, the binary was found in; nil outside images.
	Image *ImageInfo
}

// ErrNotBinary is returned for a file given by name that is neither a binary nor an archive.
var ErrNotBinary = errors.New("not an ELF, PE, Mach-O or WebAssembly binary, nor a .tar(.gz|.bz2) or .zip archive")

// Scan reads every binary among the inputs: files, directories (walked recursively, symbolic links not followed)
// and release archives (.tar, .tar.gz, .tgz, .tar.bz2, .zip, also when met inside a directory). Files that are not
// binaries are skipped by their magic number; binaries are read concurrently. Items come back sorted by path;
// an error is returned only when an input cannot be read at all.
func Scan(ctx context.Context, inputs []string, opts ScanOptions) ([]Item, error) {
	jobs := opts.Jobs
	if jobs <= 0 {
		jobs = min(runtime.GOMAXPROCS(0), MaxDefaultJobs)
	}
	tasks := make(chan task)
	var (
		mu    sync.Mutex
		items []Item
		done  int
	)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for t := range tasks {
				res, err := readFile(t.file, t.art, opts.Options, !t.tmp)
				if err == nil && t.image != nil {
					res.Doc.Properties = append(res.Doc.Properties,
						sbom.Property{Name: sbom.PropImagePath, Value: t.image.Path},
						sbom.Property{Name: sbom.PropImageLayer, Value: t.image.Layer})
					res.Doc.Normalize()
				}
				if t.tmp {
					os.Remove(t.file)
				}
				display := t.display
				if err != nil {
					// Name the binary by its display path, not by a temporary file.
					err = renameErr(err, t.file, display)
				}
				mu.Lock()
				items = append(items, Item{Path: display, Result: res, Err: err, Image: t.image})
				done++
				if opts.Progress != nil {
					opts.Progress(done, display)
				}
				mu.Unlock()
			}
		}()
	}

	tmpDir, err := os.MkdirTemp("", "ferroseal-scan-")
	if err != nil {
		close(tasks)
		wg.Wait()
		return nil, err
	}
	forget := cleanup.Track(tmpDir) // removed by the signal handler too
	defer func() { os.RemoveAll(tmpDir); forget() }()

	send := func(t task) error {
		select {
		case tasks <- t:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	// archive scans one archive; a damaged archive is an item with its error, not the end of the scan.
	as := &archiveScan{ctx: ctx, tmpDir: tmpDir, aopts: opts.Auditable, send: send, platform: opts.Platform}
	// image scans an OCI layout directory; a damaged image is an item with its error, like an archive.
	image := func(dir, display, label string) error {
		err := as.scanOCILayout(dir, display, label)
		if err != nil && ctx.Err() == nil {
			mu.Lock()
			items = append(items, Item{Path: display, Err: err})
			mu.Unlock()
			return nil
		}
		return err
	}
	archive := func(file, display, label string, k kind) error {
		err := as.scanArchive(file, display, label, k, 0, nil)
		if err != nil && ctx.Err() == nil {
			mu.Lock()
			items = append(items, Item{Path: display, Err: err})
			mu.Unlock()
			return nil
		}
		return err
	}
	produce := func() error {
		walked := 0
		for _, in := range inputs {
			switch {
			case strings.HasPrefix(in, RegistryPrefix):
				err := as.scanRegistry(strings.TrimPrefix(in, RegistryPrefix), in, strings.TrimPrefix(in, RegistryPrefix), opts.Registry)
				if err != nil && ctx.Err() == nil {
					mu.Lock()
					items = append(items, Item{Path: in, Err: err})
					mu.Unlock()
					err = nil
				}
				if err != nil {
					return err
				}
				continue
			case strings.HasPrefix(in, LayoutPrefix):
				dir, tag := strings.TrimPrefix(in, LayoutPrefix), ""
				if i := strings.LastIndex(dir, ":"); i > 0 && !isOCILayout(dir) && isOCILayout(dir[:i]) {
					dir, tag = dir[:i], dir[i+1:]
				}
				as.tag = tag
				err := image(dir, in, filepath.Base(filepath.Clean(dir)))
				as.tag = ""
				if err != nil {
					return err
				}
				continue
			case strings.HasPrefix(in, DockerArchivePrefix):
				in = strings.TrimPrefix(in, DockerArchivePrefix)
			}
			st, err := os.Stat(in)
			if err != nil {
				return err
			}
			if !st.IsDir() {
				kind, err := sniffFile(in)
				if err != nil {
					return err
				}
				switch {
				case kind.archive != "":
					if err := archive(in, in, filepath.Base(in), kind.archive); err != nil {
						return err
					}
				case kind.binary:
					if err := send(task{file: in, display: in, art: Artifact{Name: filepath.Base(in)}}); err != nil {
						return err
					}
				default:
					mu.Lock()
					items = append(items, Item{Path: in, Err: fmt.Errorf("%s: %w", in, ErrNotBinary)})
					mu.Unlock()
				}
				continue
			}
			if isOCILayout(in) {
				if err := image(in, in, filepath.Base(filepath.Clean(in))); err != nil {
					return err
				}
				continue
			}
			root := in
			err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				if d.IsDir() && p != root && isOCILayout(p) {
					rel, _ := filepath.Rel(root, p)
					if err := image(p, filepath.Join(root, rel), filepath.ToSlash(rel)); err != nil {
						return err
					}
					return filepath.SkipDir // an image's blobs are read as its layers, not as files
				}
				if !d.Type().IsRegular() {
					return nil // directories are walked; links, devices and pipes are not followed
				}
				if walked++; walked > limits.MaxWalkFiles {
					return fmt.Errorf("%s: more than %d files", root, limits.MaxWalkFiles)
				}
				rel, err := filepath.Rel(root, p)
				if err != nil {
					return err
				}
				rel = filepath.ToSlash(rel)
				kind, err := sniffFile(p)
				if err != nil {
					return err
				}
				switch {
				case kind.archive != "":
					return archive(p, filepath.Join(root, rel), rel, kind.archive)
				case kind.binary:
					return send(task{file: p, display: filepath.Join(root, rel), art: Artifact{Name: d.Name(), Path: rel}})
				}
				return nil
			})
			if err != nil {
				return err
			}
		}
		return nil
	}
	perr := produce()
	close(tasks)
	wg.Wait()
	if perr != nil {
		return nil, perr
	}
	slices.SortFunc(items, func(a, b Item) int { return strings.Compare(a.Path, b.Path) })
	return items, nil
}

func renameErr(err error, tmp, display string) error {
	if tmp == display {
		return err
	}
	msg := strings.ReplaceAll(err.Error(), tmp, display)
	return &renamedError{msg: msg, err: err}
}

type renamedError struct {
	msg string
	err error
}

func (e *renamedError) Error() string { return e.msg }
func (e *renamedError) Unwrap() error { return e.err }

type fileKind struct {
	binary  bool
	archive kind
}

// sniffFile reads a file's first bytes to classify it.
func sniffFile(p string) (fileKind, error) {
	f, _, err := inputfile.Open(p)
	if err != nil {
		return fileKind{}, err
	}
	defer f.Close()
	var hdr [sniffLen]byte
	n, err := io.ReadFull(f, hdr[:])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return fileKind{}, err
	}
	return classify(hdr[:n]), nil
}

// IsBinaryOrArchive reports whether a file's first bytes (512 are enough) announce a binary ferroseal reads or a
// container of binaries it opens (an archive, a compressed file, a Debian or RPM package).
func IsBinaryOrArchive(head []byte) bool {
	k := classify(head)
	return k.binary || k.archive != ""
}

func classify(b []byte) fileKind {
	switch k := classifyKind(b); {
	case k == kindBinary:
		return fileKind{binary: true}
	case k.isContainer():
		return fileKind{archive: k}
	}
	return fileKind{}
}

// task is one binary to read.
type task struct {
	file    string // on disk
	display string // the path reported to the user
	art     Artifact
	tmp     bool       // a temporary file, removed once read
	image   *ImageInfo // the image and layer it was found in
}

// maxArchiveDepth bounds archives within archives: a release archive holding the per-platform archives is depth 2.
const maxArchiveDepth = 3

// ErrArchive is wrapped by errors about an archive's content: over a bound, ambiguous, or damaged.
var ErrArchive = errors.New("unusable archive")

// archiveBudget is what one archive given (with everything nested in it) may cost: bytes decompressed, entries.
type archiveBudget struct {
	left    int64
	limit   int64
	entries int
}

// newArchiveBudget allows an archive of size bytes to decompress to ArchiveRatio times its size, at least
// ArchiveFloor and at most MaxArchiveTotal: a few kilobytes cannot make gigabytes of work.
func newArchiveBudget(size int64) *archiveBudget {
	limit := min(max(limits.ArchiveFloor, size*limits.ArchiveRatio), limits.MaxArchiveTotal)
	if size > limits.MaxArchiveTotal/limits.ArchiveRatio {
		limit = limits.MaxArchiveTotal
	}
	return &archiveBudget{left: limit, limit: limit}
}

// budgetReader counts the bytes decompressed from an archive against its budget, and fails past it.
type budgetReader struct {
	r       io.Reader
	b       *archiveBudget
	display string
}

func (br *budgetReader) Read(p []byte) (int, error) {
	n, err := br.r.Read(p)
	br.b.left -= int64(n)
	if br.b.left < 0 {
		return n, fmt.Errorf("%s: %w: decompresses to more than %d bytes (%d times its size, at least %d MiB)",
			br.display, ErrArchive, br.b.limit, limits.ArchiveRatio, limits.ArchiveFloor>>20)
	}
	return n, err
}

// archiveScan extracts the binaries of archives to temporary files, one at a time, and sends them to be read.
type archiveScan struct {
	ctx      context.Context
	tmpDir   string
	aopts    auditable.Options
	send     func(task) error
	platform *v1.Platform
	tag      string // oci-layout:DIR:TAG keeps the images of that tag
}

// scanArchive reads one container file (and the containers nested in it, to maxArchiveDepth): entries that are
// binaries are extracted to temporary files and sent to be read; entries that are containers are read in turn;
// everything else is skipped after its first bytes. Every byte read or decompressed counts against one budget per
// container given, and entries are bounded in number and size. Entry names are only ever labels, never paths to
// write to. Two entries with the same name are an error (extraction would keep one of them, so what is described
// would be ambiguous); GNU sparse files are regular files.
//
// display is the container's path as the user gave it, label its path as documents record it (never absolute).
func (s *archiveScan) scanArchive(file, display, label string, k kind, depth int, b *archiveBudget) error {
	f, size, err := inputfile.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if b == nil {
		b = newArchiveBudget(size)
	}
	if k == kindZip {
		return s.walkZip(f, size, display, label, depth, b)
	}
	if k == kindTar && depth == 0 {
		// A plain tar may be a container image: an OCI layout or a docker-archive.
		if entries, err := indexTar(f); err == nil {
			if format := imageArchiveFormat(entries); format != "" {
				return s.scanImageTar(file, display, label, f, entries, format, b)
			}
		}
		if _, err := f.Seek(0, io.SeekStart); err != nil {
			return err
		}
	}
	r := bufio.NewReaderSize(&budgetReader{r: f, b: b, display: display}, 64<<10)
	return s.walk(r, k, display, label, filepath.Base(file), depth, b)
}
