package binary

import (
	"archive/tar"
	"archive/zip"
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strconv"
	"strings"

	"github.com/klauspost/compress/zstd"
	"github.com/ulikunitz/xz"

	"github.com/ferroseal/ferroseal/internal/limits"
	"github.com/ferroseal/ferroseal/internal/safetext"
	"github.com/ferroseal/ferroseal/sbom/auditable"
)

// Containers of binaries are sources of files: a release archive (tar, plain or compressed with gzip, bzip2, xz
// or zstd; zip), a Debian package (an ar archive whose data.tar holds the files), an RPM package (a cpio payload
// after its headers), a compressed binary. Each is read as a stream of entries (name, size, bytes); an entry that
// is itself a container is read the same way, under the same budget, to maxArchiveDepth; an entry that is a
// binary is extracted to a temporary file and read like any binary. Compression, an RPM's payload and a Debian
// package's data member are transparent: they add no segment to the names binaries are reported under.

// kind is what a stream's first bytes announce.
type kind string

// Kinds of stream.
const (
	kindNone   kind = ""
	kindBinary kind = "binary"
	kindGzip   kind = "gzip"
	kindBzip2  kind = "bzip2"
	kindXz     kind = "xz"
	kindZstd   kind = "zstd"
	kindTar    kind = "tar"
	kindZip    kind = "zip"
	kindAr     kind = "ar"
	kindCpio   kind = "cpio"
	kindRPM    kind = "rpm"
)

// sniffLen is how many bytes classify needs (a tar header's magic is at 257).
const sniffLen = 512

// classifyKind names what a stream's first bytes announce.
func classifyKind(b []byte) kind {
	switch {
	case auditable.Sniff(b) != "":
		return kindBinary
	case bytes.HasPrefix(b, []byte{0x1f, 0x8b}):
		return kindGzip
	case bytes.HasPrefix(b, []byte("BZh")):
		return kindBzip2
	case bytes.HasPrefix(b, []byte{0xfd, '7', 'z', 'X', 'Z', 0}):
		return kindXz
	case bytes.HasPrefix(b, []byte{0x28, 0xb5, 0x2f, 0xfd}):
		return kindZstd
	case bytes.HasPrefix(b, []byte("PK\x03\x04")):
		return kindZip
	case bytes.HasPrefix(b, []byte("!<arch>\n")):
		return kindAr
	case bytes.HasPrefix(b, []byte{0xed, 0xab, 0xee, 0xdb}):
		return kindRPM
	case bytes.HasPrefix(b, []byte("070701")) || bytes.HasPrefix(b, []byte("070702")):
		return kindCpio
	case len(b) >= 262 && bytes.Equal(b[257:262], []byte("ustar")):
		return kindTar
	}
	return kindNone
}

// isContainer reports a kind that holds files.
func (k kind) isContainer() bool { return k != kindNone && k != kindBinary }

// compressed reports a kind that is one compressed stream.
func (k kind) compressed() bool {
	return k == kindGzip || k == kindBzip2 || k == kindXz || k == kindZstd
}

// decompress opens a compressed stream. The decompressors bound their own window sizes: zstd to 64 MiB, xz to
// what its header declares within the format's limit; every byte they produce is counted by the caller's budget.
func decompress(k kind, r io.Reader) (io.ReadCloser, error) {
	switch k {
	case kindGzip:
		gz, err := gzip.NewReader(r)
		if err != nil {
			return nil, err
		}
		gz.Multistream(true)
		return gz, nil
	case kindBzip2:
		return io.NopCloser(bzip2.NewReader(r)), nil
	case kindXz:
		xr, err := xz.ReaderConfig{DictCap: 64 << 20}.NewReader(r)
		if err != nil {
			return nil, err
		}
		return io.NopCloser(xr), nil
	case kindZstd:
		zr, err := zstd.NewReader(r, zstd.WithDecoderMaxWindow(64<<20), zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			return nil, err
		}
		return zr.IOReadCloser(), nil
	}
	return nil, fmt.Errorf("not compressed")
}

// walk reads a stream of kind k: a container's entries, or a compressed stream's content. display names the
// stream for messages, label for documents (never absolute); name is the entry's own name, for a compressed
// single binary.
func (s *archiveScan) walk(r io.Reader, k kind, display, label, name string, depth int, b *archiveBudget) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	switch {
	case k.compressed():
		dr, err := decompress(k, r)
		if err != nil {
			return fmt.Errorf("%s: %s: %w", display, k, err)
		}
		defer dr.Close()
		br := bufio.NewReaderSize(&budgetReader{r: dr, b: b, display: display}, 64<<10)
		head, _ := br.Peek(sniffLen)
		inner := classifyKind(head)
		switch {
		case inner == kindBinary:
			// A compressed binary: app.gz holds app.
			return s.extract(br, -1, display, label, trimCompression(name), b)
		case inner.isContainer():
			return s.walk(br, inner, display, label, name, depth, b)
		}
		return nil // a compressed something else
	case k == kindTar:
		return s.walkTar(r, display, label, depth, b)
	case k == kindAr:
		return s.walkAr(r, display, label, depth, b)
	case k == kindCpio:
		return s.walkCpio(r, display, label, depth, b)
	case k == kindRPM:
		payload, err := rpmPayload(r)
		if err != nil {
			return fmt.Errorf("%s: %w: RPM: %v", display, ErrArchive, err)
		}
		head, _ := payload.Peek(sniffLen)
		inner := classifyKind(head)
		if !inner.isContainer() {
			return fmt.Errorf("%s: %w: RPM payload is neither cpio nor a compressed cpio", display, ErrArchive)
		}
		return s.walk(payload, inner, display, label, name, depth, b)
	case k == kindZip:
		// A zip needs random access: a zip within a stream is spooled to a temporary file first.
		tmp, size, err := s.spool(r, display, b)
		if err != nil {
			return err
		}
		defer os.Remove(tmp.Name())
		defer tmp.Close()
		return s.walkZip(tmp, size, display, label, depth, b)
	}
	return nil
}

// spool copies a stream to a temporary file, within the budget and the size of one binary.
func (s *archiveScan) spool(r io.Reader, display string, b *archiveBudget) (*os.File, int64, error) {
	tmp, err := os.CreateTemp(s.tmpDir, "spool-*")
	if err != nil {
		return nil, 0, err
	}
	n, err := io.Copy(tmp, io.LimitReader(&budgetReader{r: r, b: b, display: display}, s.maxEntry()+1))
	if err == nil && n > s.maxEntry() {
		err = fmt.Errorf("%s: %w: more than %d bytes", display, auditable.ErrTooLarge, s.maxEntry())
	}
	if err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return nil, 0, err
	}
	return tmp, n, nil
}

func (s *archiveScan) maxEntry() int64 {
	if s.aopts.MaxFileSize > 0 {
		return s.aopts.MaxFileSize
	}
	return limits.MaxBinarySize
}

// entries checks one container's entry names: counted against the budget, cleaned to a path inside the
// container, never twice the same.
type entries struct {
	display string
	b       *archiveBudget
	seen    map[string]bool
}

func (e *entries) next(name string) (string, error) {
	if e.b.entries++; e.b.entries > limits.MaxArchiveEntries {
		return "", fmt.Errorf("%s: %w: more than %d entries", e.display, ErrArchive, limits.MaxArchiveEntries)
	}
	clean := path.Clean("/" + strings.ReplaceAll(name, "\\", "/"))[1:]
	if clean == "" {
		return "", nil
	}
	if e.seen == nil {
		e.seen = map[string]bool{}
	}
	if e.seen[clean] {
		return "", fmt.Errorf("%s: %w: two entries named %s", e.display, ErrArchive, safetext.Quote(clean, 0))
	}
	e.seen[clean] = true
	return clean, nil
}

// entry handles one file of a container: a binary is extracted and sent to be read, a container is read in turn,
// anything else is skipped after its first bytes. transparent entries (a Debian package's data.tar) add no
// segment to the label.
func (s *archiveScan) entry(r io.Reader, size int64, name, display, label string, transparent bool, depth int, b *archiveBudget) error {
	if err := s.ctx.Err(); err != nil {
		return err
	}
	br := bufio.NewReaderSize(r, 4096)
	head, _ := br.Peek(sniffLen)
	k := classifyKind(head)
	switch {
	case k == kindBinary:
		if size > s.maxEntry() {
			return fmt.Errorf("%s!/%s: %w: %d bytes, the limit is %d", display, name, auditable.ErrTooLarge, size, s.maxEntry())
		}
		return s.extract(br, size, display, label, name, b)
	case k.isContainer():
		if depth+1 >= maxArchiveDepth {
			return fmt.Errorf("%s!/%s: %w: archives nested more than %d deep", display, name, ErrArchive, maxArchiveDepth)
		}
		innerDisplay, innerLabel := display+"!/"+name, label+"!/"+name
		if transparent {
			innerDisplay, innerLabel = display, label
		}
		return s.walk(br, k, innerDisplay, innerLabel, path.Base(name), depth+1, b)
	}
	return nil
}

// extract copies one binary to a temporary file and sends it to be read.
func (s *archiveScan) extract(r io.Reader, size int64, display, label, name string, b *archiveBudget) error {
	tmp, err := os.CreateTemp(s.tmpDir, "entry-*")
	if err != nil {
		return err
	}
	n, err := io.Copy(tmp, io.LimitReader(r, s.maxEntry()+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err == nil && n > s.maxEntry() {
		err = fmt.Errorf("%s!/%s: %w: more than %d bytes", display, name, auditable.ErrTooLarge, s.maxEntry())
	}
	if err != nil {
		os.Remove(tmp.Name())
		return err
	}
	return s.send(task{file: tmp.Name(), display: display + "!/" + name, art: Artifact{Name: path.Base(name), Path: label + "!/" + name}, tmp: true})
}

func (s *archiveScan) walkTar(r io.Reader, display, label string, depth int, b *archiveBudget) error {
	tr := tar.NewReader(r)
	names := entries{display: display, b: b}
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			if errors.Is(err, ErrArchive) {
				return err
			}
			return fmt.Errorf("%s: tar: %w", display, err)
		}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeGNUSparse: // tar reads a sparse file with its holes as zeros
		default:
			continue
		}
		name, err := names.next(h.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		if err := s.entry(tr, h.Size, name, display, label, false, depth, b); err != nil {
			return err
		}
	}
}

func (s *archiveScan) walkZip(f io.ReaderAt, size int64, display, label string, depth int, b *archiveBudget) error {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		return fmt.Errorf("%s: zip: %w", display, err)
	}
	names := entries{display: display, b: b}
	for _, zf := range zr.File {
		if !zf.Mode().IsRegular() {
			continue
		}
		name, err := names.next(zf.Name)
		if err != nil {
			return err
		}
		if name == "" {
			continue
		}
		rc, err := zf.Open()
		if err != nil {
			return fmt.Errorf("%s!/%s: %w", display, name, err)
		}
		err = s.entry(&budgetReader{r: rc, b: b, display: display}, int64(zf.UncompressedSize64), name, display, label, false, depth, b)
		rc.Close()
		if err != nil {
			return err
		}
	}
	return nil
}

// walkAr reads an ar archive (a Debian package: debian-binary, control.tar.*, data.tar.*): 60-byte member
// headers, each member padded to an even length. The data member is transparent: a package's binaries are
// named by their paths in it.
func (s *archiveScan) walkAr(r io.Reader, display, label string, depth int, b *archiveBudget) error {
	br := bufio.NewReader(r)
	if _, err := br.Discard(8); err != nil { // "!<arch>\n"
		return fmt.Errorf("%s: ar: %w", display, err)
	}
	names := entries{display: display, b: b}
	var hdr [60]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err == io.EOF {
			return nil
		} else if err != nil {
			return fmt.Errorf("%s: %w: ar: truncated member header", display, ErrArchive)
		}
		if hdr[58] != '`' || hdr[59] != '\n' {
			return fmt.Errorf("%s: %w: ar: bad member header", display, ErrArchive)
		}
		size, err := strconv.ParseInt(strings.TrimSpace(string(hdr[48:58])), 10, 64)
		if err != nil || size < 0 {
			return fmt.Errorf("%s: %w: ar: bad member size", display, ErrArchive)
		}
		raw := strings.TrimSpace(string(hdr[:16]))
		member := io.LimitReader(br, size)
		if !strings.HasPrefix(raw, "/") { // not the symbol table or the long-name table
			name, err := names.next(strings.TrimSuffix(raw, "/")) // GNU ar ends names with a slash
			if err != nil {
				return err
			}
			transparent := strings.HasPrefix(name, "data.tar")
			if name != "" {
				if err := s.entry(member, size, name, display, label, transparent, depth, b); err != nil {
					return err
				}
			}
		}
		if _, err := io.Copy(io.Discard, member); err != nil {
			return fmt.Errorf("%s: ar: %w", display, err)
		}
		if size%2 == 1 {
			br.Discard(1)
		}
	}
}

// walkCpio reads a cpio archive in the "new ASCII" format (070701, and 070702 with checksums), as RPM payloads
// are: a 110-byte header of hexadecimal fields, the name, the data, each padded to four bytes.
func (s *archiveScan) walkCpio(r io.Reader, display, label string, depth int, b *archiveBudget) error {
	br := bufio.NewReader(r)
	names := entries{display: display, b: b}
	var hdr [110]byte
	for {
		if _, err := io.ReadFull(br, hdr[:]); err != nil {
			return fmt.Errorf("%s: %w: cpio: truncated header", display, ErrArchive)
		}
		if string(hdr[:5]) != "07070" || (hdr[5] != '1' && hdr[5] != '2') {
			return fmt.Errorf("%s: %w: cpio: bad header magic", display, ErrArchive)
		}
		field := func(i int) (int64, error) {
			return strconv.ParseInt(string(hdr[6+8*i:14+8*i]), 16, 64)
		}
		mode, err1 := field(1)
		size, err2 := field(6)
		nameLen, err3 := field(11)
		if err := errors.Join(err1, err2, err3); err != nil || nameLen < 1 || nameLen > 4096 {
			return fmt.Errorf("%s: %w: cpio: bad header field", display, ErrArchive)
		}
		nameBuf := make([]byte, nameLen) // at most 4 KiB
		if _, err := io.ReadFull(br, nameBuf); err != nil {
			return fmt.Errorf("%s: %w: cpio: truncated name", display, ErrArchive)
		}
		br.Discard(pad4(110 + nameLen))
		raw := string(bytes.TrimRight(nameBuf, "\x00"))
		if raw == "TRAILER!!!" {
			return nil
		}
		member := io.LimitReader(br, size)
		if mode&0o170000 == 0o100000 { // a regular file
			name, err := names.next(raw)
			if err != nil {
				return err
			}
			if name != "" {
				if err := s.entry(member, size, name, display, label, false, depth, b); err != nil {
					return err
				}
			}
		}
		if _, err := io.Copy(io.Discard, member); err != nil {
			return fmt.Errorf("%s: cpio: %w", display, err)
		}
		br.Discard(pad4(size))
	}
}

func pad4(n int64) int { return int((4 - n%4) % 4) }

// trimCompression names what a compressed file holds: app.gz holds app.
func trimCompression(name string) string {
	for _, ext := range []string{".gz", ".bz2", ".xz", ".zst"} {
		if n, ok := strings.CutSuffix(name, ext); ok && n != "" {
			return n
		}
	}
	return name
}

// rpmPayload skips an RPM package's lead and its signature and main headers, reading each header's declared
// sizes within bounds, and returns its payload (a compressed cpio archive), which the caller classifies by its own
// first bytes rather than by the header's word for it.
func rpmPayload(r io.Reader) (*bufio.Reader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	if _, err := br.Discard(96); err != nil { // the lead
		return nil, errors.New("truncated lead")
	}
	var headers int64
	for i, name := range []string{"signature", "main"} {
		var intro [16]byte
		if _, err := io.ReadFull(br, intro[:]); err != nil {
			return nil, fmt.Errorf("truncated %s header", name)
		}
		if !bytes.Equal(intro[:4], []byte{0x8e, 0xad, 0xe8, 0x01}) {
			return nil, fmt.Errorf("bad %s header magic", name)
		}
		nindex, hsize := int64(binary.BigEndian.Uint32(intro[8:])), int64(binary.BigEndian.Uint32(intro[12:]))
		n := nindex*16 + hsize
		if i == 0 {
			n += (8 - (16+n)%8) % 8 // the signature header is padded to eight bytes
		}
		if headers += n; nindex > 1<<16 || hsize > limits.MaxRPMHeader || headers > limits.MaxRPMHeader {
			return nil, fmt.Errorf("%s header of %d entries and %d bytes, more than the limit of %d bytes", name, nindex, hsize, limits.MaxRPMHeader)
		}
		if _, err := br.Discard(int(n)); err != nil {
			return nil, fmt.Errorf("truncated %s header", name)
		}
	}
	return br, nil
}
