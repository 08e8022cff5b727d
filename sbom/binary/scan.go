package binary

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"

	"github.com/ferroseal/ferroseal/internal/cleanup"
	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/limits"
	"github.com/ferroseal/ferroseal/internal/safetext"
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
}

// Item is one binary a scan met: read, or not, with the reason.
type Item struct {
	// Path is the binary's path: as given, under a directory given, or ARCHIVE!/ENTRY inside an archive.
	Path   string
	Result *Result
	// Err is why there is no result: wraps auditable.ErrNotAuditable for a binary without data.
	Err error
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
				res, err := readFile(t.file, t.art, opts.Options)
				if t.tmp {
					os.Remove(t.file)
				}
				display := t.display
				if err != nil {
					// Name the binary by its display path, not by a temporary file.
					err = renameErr(err, t.file, display)
				}
				mu.Lock()
				items = append(items, Item{Path: display, Result: res, Err: err})
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
	as := &archiveScan{ctx: ctx, tmpDir: tmpDir, aopts: opts.Auditable, send: send}
	archive := func(file, display, label, kind string) error {
		err := as.scanArchive(file, display, label, kind, 0, nil)
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
			root := in
			err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
				if err != nil {
					return err
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
	archive string // "tar", "tar.gz", "tar.bz2", "zip"
}

// sniffFile reads a file's first bytes (and, for an uncompressed tar, its header magic) to classify it.
func sniffFile(p string) (fileKind, error) {
	f, _, err := inputfile.Open(p)
	if err != nil {
		return fileKind{}, err
	}
	defer f.Close()
	var hdr [512]byte
	n, err := io.ReadFull(f, hdr[:])
	if err != nil && err != io.ErrUnexpectedEOF && err != io.EOF {
		return fileKind{}, err
	}
	return classify(hdr[:n]), nil
}

// IsBinaryOrArchive reports whether a file's first bytes (512 are enough) announce a binary ferroseal reads or a
// release archive it opens.
func IsBinaryOrArchive(head []byte) bool {
	k := classify(head)
	return k.binary || k.archive != ""
}

func classify(b []byte) fileKind {
	switch {
	case auditable.Sniff(b) != "":
		return fileKind{binary: true}
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		return fileKind{archive: "tar.gz"}
	case bytes.HasPrefix(b, []byte("BZh")):
		return fileKind{archive: "tar.bz2"}
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return fileKind{archive: "zip"}
	case len(b) >= 262 && bytes.Equal(b[257:262], []byte("ustar")):
		return fileKind{archive: "tar"}
	}
	return fileKind{}
}

// task is one binary to read.
type task struct {
	file    string // on disk
	display string // the path reported to the user
	art     Artifact
	tmp     bool // a temporary file, removed once read
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
	ctx    context.Context
	tmpDir string
	aopts  auditable.Options
	send   func(task) error
}

// scanArchive reads one archive (and the archives nested in it, to maxArchiveDepth): entries that are binaries are
// extracted to temporary files and sent to be read; entries that are archives are opened in turn; everything else
// is skipped after its first bytes. Every byte decompressed counts against one budget per archive given, and
// entries are bounded in number and size. Entry names are only ever labels, never paths to write to. Two entries
// with the same name are an error (extraction would keep one of them, so what is described would be ambiguous);
// GNU sparse files are regular files.
//
// display is the archive's path as the user gave it, label its path as documents record it (never absolute).
func (s *archiveScan) scanArchive(file, display, label, kind string, depth int, b *archiveBudget) error {
	f, size, err := inputfile.Open(file)
	if err != nil {
		return err
	}
	defer f.Close()
	if b == nil {
		b = newArchiveBudget(size)
	}
	maxEntry := s.aopts.MaxFileSize
	if maxEntry <= 0 {
		maxEntry = limits.MaxBinarySize
	}
	seen := map[string]bool{}
	entry := func(name string, size int64, r io.Reader) error {
		if err := s.ctx.Err(); err != nil {
			return err
		}
		if b.entries++; b.entries > limits.MaxArchiveEntries {
			return fmt.Errorf("%s: %w: more than %d entries", display, ErrArchive, limits.MaxArchiveEntries)
		}
		clean := path.Clean("/" + strings.ReplaceAll(name, "\\", "/"))[1:]
		if seen[clean] {
			return fmt.Errorf("%s: %w: two entries named %s", display, ErrArchive, safetext.Quote(clean, 0))
		}
		seen[clean] = true
		br := bufio.NewReaderSize(r, 4096)
		head, _ := br.Peek(512)
		k := classify(head)
		if !k.binary && k.archive == "" {
			return nil
		}
		if k.archive != "" && depth+1 >= maxArchiveDepth {
			return fmt.Errorf("%s!/%s: %w: archives nested more than %d deep", display, clean, ErrArchive, maxArchiveDepth)
		}
		if size > maxEntry {
			return fmt.Errorf("%s!/%s: %w: %d bytes, the limit is %d", display, clean, auditable.ErrTooLarge, size, maxEntry)
		}
		tmp, err := os.CreateTemp(s.tmpDir, "entry-*")
		if err != nil {
			return err
		}
		n, err := io.Copy(tmp, io.LimitReader(br, maxEntry+1))
		if cerr := tmp.Close(); err == nil {
			err = cerr
		}
		if err == nil && n > maxEntry {
			err = fmt.Errorf("%s!/%s: %w: more than %d bytes", display, clean, auditable.ErrTooLarge, maxEntry)
		}
		if err != nil {
			os.Remove(tmp.Name())
			return err
		}
		if k.archive != "" {
			err := s.scanArchive(tmp.Name(), display+"!/"+clean, label+"!/"+clean, k.archive, depth+1, b)
			os.Remove(tmp.Name())
			return err
		}
		return s.send(task{file: tmp.Name(), display: display + "!/" + clean, art: Artifact{Name: path.Base(clean), Path: label + "!/" + clean}, tmp: true})
	}

	if kind == "zip" {
		zr, err := zip.NewReader(f, size)
		if err != nil {
			return fmt.Errorf("%s: zip: %w", display, err)
		}
		for _, zf := range zr.File {
			if !zf.Mode().IsRegular() {
				continue
			}
			rc, err := zf.Open()
			if err != nil {
				return fmt.Errorf("%s!/%s: %w", display, zf.Name, err)
			}
			err = entry(zf.Name, int64(zf.UncompressedSize64), &budgetReader{r: rc, b: b, display: display})
			rc.Close()
			if err != nil {
				return err
			}
		}
		return nil
	}
	var r io.Reader = bufio.NewReader(f)
	switch kind {
	case "tar.gz":
		gz, err := gzip.NewReader(r)
		if err != nil {
			return fmt.Errorf("%s: gzip: %w", display, err)
		}
		defer gz.Close()
		r = gz
	case "tar.bz2":
		r = bzip2.NewReader(r)
	}
	// Everything decompressed counts, the entries skipped included: a bomb of zeros is a bomb unread or not.
	tr := tar.NewReader(&budgetReader{r: r, b: b, display: display})
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, ErrArchive) {
				return err
			}
			return fmt.Errorf("%s: %s: %w", display, kind, err)
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse: // tar reads a sparse file with its holes as zeros
		default:
			continue
		}
		if err := entry(h.Name, h.Size, tr); err != nil {
			return err
		}
	}
}
