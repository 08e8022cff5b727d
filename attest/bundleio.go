package attest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"iter"
	"os"
	"slices"
	"strings"

	"github.com/ferroseal/ferroseal/internal/atomicfile"
	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/limits"
)

// Evidence is one bundle (or bare DSSE envelope) to verify, with where it came from.
type Evidence struct {
	// Source is "FILE" or "FILE:LINE".
	Source string
	Data   []byte
}

// Evidences yields evidence held in memory.
func Evidences(ev ...Evidence) iter.Seq2[Evidence, error] {
	return func(yield func(Evidence, error) bool) {
		for _, e := range ev {
			if !yield(e, nil) {
				return
			}
		}
	}
}

// EvidenceFiles streams the bundles of files, one at a time: a .sigstore.json (or any file not ending in .jsonl)
// holds one; an .intoto.jsonl holds one bundle or DSSE envelope per line (blank lines skipped). Only regular files
// are read. Each bundle or line is bounded (limits.MaxBundleSize), and so are the lines of a file and the bytes of
// all files together, so memory stays flat whatever the files hold. A bound exceeded or a file that cannot be read
// is yielded as an error (wrapping ErrVerificationFailed for a bound: whoever made the file is not who ferroseal
// trusts), after which nothing more is yielded.
func EvidenceFiles(paths ...string) iter.Seq2[Evidence, error] {
	return func(yield func(Evidence, error) bool) {
		var total int64
		for _, path := range paths {
			if !readEvidenceFile(path, &total, yield) {
				return
			}
		}
	}
}

// readEvidenceFile yields the evidence of one file; it returns false when the caller stopped or an error was
// yielded.
func readEvidenceFile(path string, total *int64, yield func(Evidence, error) bool) bool {
	f, _, err := inputfile.Open(path)
	if err != nil {
		yield(Evidence{Source: path}, err)
		return false
	}
	defer f.Close()
	budget := func(n int) error {
		if *total += int64(n); *total > limits.MaxEvidenceTotal {
			return fmt.Errorf("%w: the bundles given hold more than %d bytes", ErrVerificationFailed, limits.MaxEvidenceTotal)
		}
		return nil
	}
	if !strings.HasSuffix(path, ".jsonl") {
		data, err := io.ReadAll(io.LimitReader(f, limits.MaxBundleSize+1))
		switch {
		case err != nil:
			err = fmt.Errorf("reading %s: %w", path, err)
		case int64(len(data)) > limits.MaxBundleSize:
			err = fmt.Errorf("%w: %s is larger than %d bytes", ErrVerificationFailed, path, limits.MaxBundleSize)
		default:
			err = budget(len(data))
		}
		if err != nil {
			yield(Evidence{Source: path}, err)
			return false
		}
		return yield(Evidence{Source: path, Data: data}, nil)
	}
	r := bufio.NewReaderSize(f, 64<<10)
	lines := 0
	for n := 1; ; n++ {
		source := fmt.Sprintf("%s:%d", path, n)
		data, err := readLine(r, limits.MaxBundleSize)
		if errors.Is(err, errLineTooLong) {
			yield(Evidence{Source: source}, fmt.Errorf("%w: %s is longer than %d bytes", ErrVerificationFailed, source, limits.MaxBundleSize))
			return false
		}
		if err != nil && err != io.EOF {
			yield(Evidence{Source: source}, fmt.Errorf("reading %s: %w", path, err))
			return false
		}
		if data = bytes.TrimSpace(data); len(data) > 0 {
			if lines++; lines > limits.MaxBundleLines {
				yield(Evidence{Source: source}, fmt.Errorf("%w: %s has more than %d lines", ErrVerificationFailed, path, limits.MaxBundleLines))
				return false
			}
			if berr := budget(len(data)); berr != nil {
				yield(Evidence{Source: source}, berr)
				return false
			}
			if !yield(Evidence{Source: source, Data: data}, nil) {
				return false
			}
		}
		if err == io.EOF {
			return true
		}
	}
}

// ReadEvidence reads every bundle of a file into memory (see EvidenceFiles for the bounds); for a few bundles of
// known size, such as a signed build record.
func ReadEvidence(path string) ([]Evidence, error) {
	var out []Evidence
	for ev, err := range EvidenceFiles(path) {
		if err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, nil
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line (without its newline) of at most max bytes; a longer line is an error as soon as it
// is, without reading the rest of it.
func readLine(r *bufio.Reader, max int64) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		if int64(len(line))+int64(len(chunk)) > max+1 {
			return nil, errLineTooLong
		}
		line = append(line, chunk...)
		switch {
		case err == nil:
			return bytes.TrimSuffix(line, []byte("\n")), nil
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		default:
			return line, err
		}
	}
}

// WriteBundle writes one bundle to path, replacing it atomically.
func WriteBundle(path string, bundle []byte) error {
	return atomicfile.WriteBytes(path, 0o644, append(bytes.TrimSpace(bundle), '\n'))
}

// AppendJSONL adds one compact bundle as a line of an .intoto.jsonl file: the file is rewritten whole (atomically),
// never left half-appended.
func AppendJSONL(path string, bundle []byte) error {
	var compact bytes.Buffer
	if err := json.Compact(&compact, bundle); err != nil {
		return err
	}
	old, err := inputfile.ReadAll(path, limits.MaxEvidenceTotal)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		old = append(old, '\n')
	}
	return atomicfile.WriteBytes(path, 0o644, append(slices.Clip(old), append(compact.Bytes(), '\n')...))
}
