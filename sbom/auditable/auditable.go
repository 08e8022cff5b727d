// Package auditable reads the dependency data that cargo-auditable embeds in compiled Rust binaries: a zlib
// stream of JSON in a section named .dep-v0 (ELF and PE), __DATA,.dep-v0 (Mach-O) or a custom section .dep-v0
// (WebAssembly), and the pre-2022 legacy sections (.rust-deps-v0, rdep-v0, __TEXT,rust-deps-v0). Universal (fat)
// Mach-O files are read slice by slice, WebAssembly components core module by core module (nested components
// included).
//
// Like the standard library's debug/buildinfo, the reader sniffs the container from its magic number and adapts each
// format to one small interface; it reads the headers and the one section it needs, never the whole file.
//
// # Security
//
// Binaries are untrusted input. The package depends on the standard library only. Every size and offset is checked
// against the file before use, nothing is allocated from a length field (sections are streamed through the zlib
// reader), the input size and the decompressed size are bounded (Options; defaults 1 GiB and 8 MiB, as in the
// reference reader; one byte over the limit is an error, never a truncation), and the payload is validated before it
// is returned: every dependency index in range, at most one root, no cycle, known dependency kinds. Errors wrap
// the sentinels below, and malformed containers give a *FormatError with the offset of the fault.
package auditable

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"slices"

	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/limits"
)

// Sentinel errors; test with errors.Is.
var (
	// ErrUnknownFormat: the file is not an ELF, PE, Mach-O or WebAssembly binary.
	ErrUnknownFormat = errors.New("not an ELF, PE, Mach-O or WebAssembly binary")
	// ErrNotAuditable: the binary carries no cargo-auditable data.
	ErrNotAuditable = errors.New("no cargo-auditable dependency data")
	// ErrTooLarge: the file or the decompressed data exceeds its limit.
	ErrTooLarge = errors.New("over the size limit")
	// ErrInvalidData: the section holds something other than a valid zlib stream of a valid payload.
	ErrInvalidData = errors.New("invalid cargo-auditable data")
	// ErrDuplicateSection: the binary holds the dependency section twice, so which one is meant is ambiguous.
	ErrDuplicateSection = errors.New("duplicate cargo-auditable section")
)

// FormatError reports a malformed container at a byte offset.
type FormatError struct {
	Off int64
	Msg string
}

func (e *FormatError) Error() string {
	return fmt.Sprintf("malformed binary at offset %#x: %s", e.Off, e.Msg)
}

// Is reports a FormatError as ErrInvalidData: a malformed container cannot hold valid data.
func (e *FormatError) Is(target error) bool { return target == ErrInvalidData }

// Options bound the reader. The zero value uses the defaults.
type Options struct {
	// MaxFileSize is the largest file read; 0 means 1 GiB.
	MaxFileSize int64
	// MaxPayloadSize is the largest decompressed JSON accepted; 0 means 8 MiB.
	MaxPayloadSize int64
}

func (o Options) maxFile() int64 {
	if o.MaxFileSize > 0 {
		return o.MaxFileSize
	}
	return limits.MaxBinarySize
}

func (o Options) maxPayload() int64 {
	if o.MaxPayloadSize > 0 {
		return o.MaxPayloadSize
	}
	return limits.MaxPayloadSize
}

// Container is a binary's file format.
type Container string

// Containers.
const (
	ELF            Container = "elf"
	PE             Container = "pe"
	MachO          Container = "macho"
	MachOUniversal Container = "macho-universal"
	Wasm           Container = "wasm"
	// WasmComponent is a WebAssembly component (the component model's binary): its core modules are its slices.
	WasmComponent Container = "wasm-component"
)

// Section names, current and legacy.
const (
	SectionName       = ".dep-v0"
	MachOSegment      = "__DATA"
	legacyELFName     = ".rust-deps-v0"
	legacyPEName      = "rdep-v0"
	legacyMachOName   = "rust-deps-v0"
	legacyMachOSegmnt = "__TEXT"
)

// File is what a binary holds.
type File struct {
	Container Container
	// Slices has one entry per architecture: one for every container but a universal Mach-O.
	Slices []Slice
}

// Slice is the dependency data of one architecture of a binary.
type Slice struct {
	// Arch is the architecture, named as in Rust target triples: x86_64, x86, aarch64, arm, powerpc64, wasm32, ...
	Arch string
	// Container is the slice's own format (macho for a slice of a universal file).
	Container Container
	// Section names the section the data came from; Legacy is true for a pre-2022 section.
	Section string
	Legacy  bool
	// Compiler is the rustc version line from the ELF .comment section, when present.
	Compiler string
	// JSON is the decompressed payload, byte for byte as embedded.
	JSON []byte
	// Payload is the parsed and validated JSON.
	Payload *Payload
}

// section locates raw section bytes within a file.
type section struct {
	name   string
	legacy bool
	r      io.Reader // the raw (compressed) bytes
	off    int64
}

// exe is the one thing each container adapter provides.
type exe interface {
	// depSection returns the dependency section, the legacy one if there is no current one, or ErrNotAuditable.
	depSection() (*section, error)
	arch() string
	compiler() string
}

// ReadFile reads the dependency data of the binary at path.
func ReadFile(path string, opts Options) (*File, error) {
	f, size, err := inputfile.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	out, err := Read(f, size, opts)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// Read reads the dependency data of a binary of the given size.
func Read(r io.ReaderAt, size int64, opts Options) (*File, error) {
	if size > opts.maxFile() {
		return nil, fmt.Errorf("%w: the file has %d bytes, the limit is %d", ErrTooLarge, size, opts.maxFile())
	}
	var magic [8]byte
	n, err := r.ReadAt(magic[:], 0)
	if n < 4 {
		if err == nil || err == io.EOF {
			return nil, ErrUnknownFormat
		}
		return nil, err
	}
	kind := Sniff(magic[:n])
	switch kind {
	case MachOUniversal:
		return readUniversal(r, size, opts)
	case Wasm:
		if isWasmComponent(r) {
			return readComponent(r, size, opts)
		}
	case "":
		return nil, ErrUnknownFormat
	}
	x, err := openExe(kind, r, size)
	if err != nil {
		return nil, err
	}
	s, err := readSlice(x, kind, opts)
	if err != nil {
		return nil, err
	}
	return &File{Container: kind, Slices: []Slice{*s}}, nil
}

func openExe(kind Container, r io.ReaderAt, size int64) (exe, error) {
	switch kind {
	case ELF:
		return openELF(r, size)
	case PE:
		return openPE(r, size)
	case MachO:
		x, err := openMachO(r, size)
		if err != nil {
			return nil, err
		}
		return x, nil
	case Wasm:
		return openWasm(r, size)
	}
	return nil, ErrUnknownFormat
}

// Sniff returns the container a file's first bytes announce, or "" for none. Eight bytes are enough.
func Sniff(b []byte) Container {
	switch {
	case bytes.HasPrefix(b, []byte("\x7fELF")):
		return ELF
	case bytes.HasPrefix(b, []byte("MZ")):
		return PE
	case bytes.HasPrefix(b, []byte("\x00asm")):
		return Wasm
	case bytes.HasPrefix(b, []byte{0xfe, 0xed, 0xfa, 0xce}), bytes.HasPrefix(b, []byte{0xce, 0xfa, 0xed, 0xfe}),
		bytes.HasPrefix(b, []byte{0xfe, 0xed, 0xfa, 0xcf}), bytes.HasPrefix(b, []byte{0xcf, 0xfa, 0xed, 0xfe}):
		return MachO
	case bytes.HasPrefix(b, []byte{0xca, 0xfe, 0xba, 0xbe}), bytes.HasPrefix(b, []byte{0xca, 0xfe, 0xba, 0xbf}):
		// Java class files share the first magic; a universal binary has a small architecture count where a class
		// file has its version (45 or more). The second is the 64-bit form, with 64-bit slice offsets and sizes.
		if len(b) >= 8 && b[4] == 0 && b[5] == 0 && b[6] == 0 && b[7] > 0 && b[7] < 32 {
			return MachOUniversal
		}
	}
	return ""
}

func readSlice(x exe, kind Container, opts Options) (*Slice, error) {
	sec, err := x.depSection()
	if err != nil {
		return nil, err
	}
	data, err := inflate(sec, opts.maxPayload())
	if err != nil {
		return nil, err
	}
	p, err := ParsePayload(data)
	if err != nil {
		return nil, err
	}
	if sec.legacy {
		p.Legacy = true
	}
	return &Slice{
		Arch:      x.arch(),
		Container: kind,
		Section:   sec.name,
		Legacy:    sec.legacy,
		Compiler:  x.compiler(),
		JSON:      data,
		Payload:   p,
	}, nil
}

// inflate decompresses the zlib stream at the start of a section, up to max bytes. Bytes after the end of the
// stream (the zero padding of PE sections) are ignored.
func inflate(s *section, max int64) ([]byte, error) {
	zr, err := zlib.NewReader(s.r)
	if err != nil {
		return nil, fmt.Errorf("%w: section %s at offset %#x: not a zlib stream: %v", ErrInvalidData, s.name, s.off, err)
	}
	defer zr.Close()
	// Grow by doubling, but never past max+1 bytes: a decompression bomb costs at most the limit, once.
	buf := make([]byte, 0, min(max+1, 64<<10))
	for {
		if len(buf) == cap(buf) {
			buf = slices.Grow(buf, int(min(int64(cap(buf)), max+1-int64(cap(buf)))))
		}
		n, err := zr.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if int64(len(buf)) > max {
			return nil, fmt.Errorf("%w: section %s decompresses to more than %d bytes", ErrTooLarge, s.name, max)
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: section %s at offset %#x: zlib: %v", ErrInvalidData, s.name, s.off, err)
		}
	}
}

// pick chooses between current and legacy section candidates: the current one wins; two of the same kind are an
// error.
func pick(current, legacy []*section) (*section, error) {
	switch {
	case len(current) > 1:
		return nil, fmt.Errorf("%w: %d sections named %s", ErrDuplicateSection, len(current), current[0].name)
	case len(current) == 1:
		return current[0], nil
	case len(legacy) > 1:
		return nil, fmt.Errorf("%w: %d sections named %s", ErrDuplicateSection, len(legacy), legacy[0].name)
	case len(legacy) == 1:
		return legacy[0], nil
	}
	return nil, ErrNotAuditable
}
