package attest

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/ferroseal/ferroseal/internal/atomicfile"
	"github.com/ferroseal/ferroseal/internal/limits"
)

// Evidence is one bundle (or bare DSSE envelope) to verify, with where it came from.
type Evidence struct {
	// Source is "FILE" or "FILE:LINE".
	Source string
	Data   []byte
}

// ReadEvidence reads the bundles of a file: a .sigstore.json (or any .json) holds one; an .intoto.jsonl holds one
// bundle or DSSE envelope per line (blank lines skipped). Sizes and line counts are bounded; a file over a bound
// is reported as an error wrapping ErrVerificationFailed, since whoever made it is not who ferroseal trusts.
func ReadEvidence(path string) ([]Evidence, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if !strings.HasSuffix(path, ".jsonl") {
		data, err := io.ReadAll(io.LimitReader(f, limits.MaxBundleSize+1))
		if err != nil {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		if int64(len(data)) > limits.MaxBundleSize {
			return nil, fmt.Errorf("%w: %s is larger than %d bytes", ErrVerificationFailed, path, limits.MaxBundleSize)
		}
		return []Evidence{{Source: path, Data: data}}, nil
	}
	var out []Evidence
	r := bufio.NewReaderSize(f, 64<<10)
	for line := 1; ; line++ {
		data, err := readLine(r, limits.MaxBundleSize)
		if errors.Is(err, errLineTooLong) {
			return nil, fmt.Errorf("%w: %s:%d is longer than %d bytes", ErrVerificationFailed, path, line, limits.MaxBundleSize)
		}
		if err != nil && err != io.EOF {
			return nil, fmt.Errorf("reading %s: %w", path, err)
		}
		if len(bytes.TrimSpace(data)) > 0 {
			if len(out) == limits.MaxBundleLines {
				return nil, fmt.Errorf("%w: %s has more than %d lines", ErrVerificationFailed, path, limits.MaxBundleLines)
			}
			out = append(out, Evidence{Source: fmt.Sprintf("%s:%d", path, line), Data: bytes.TrimSpace(data)})
		}
		if err == io.EOF {
			return out, nil
		}
	}
}

var errLineTooLong = errors.New("line too long")

// readLine reads one line (without its newline) of at most max bytes.
func readLine(r *bufio.Reader, max int64) ([]byte, error) {
	var line []byte
	for {
		chunk, err := r.ReadSlice('\n')
		line = append(line, chunk...)
		if int64(len(line)) > max+1 {
			return nil, errLineTooLong
		}
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
	old, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return err
	}
	if len(old) > 0 && !bytes.HasSuffix(old, []byte("\n")) {
		old = append(old, '\n')
	}
	return atomicfile.WriteBytes(path, 0o644, append(append(old, compact.Bytes()...), '\n'))
}
