package cargo

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// ErrRustcNotFound is returned when the rustc executable cannot be found.
var ErrRustcNotFound = errors.New("rustc not found")

// Rustc describes a Rust compiler as `rustc -vV` reports it.
type Rustc struct {
	// Version is the whole first line, e.g. "rustc 1.95.0 (59807616e 2026-04-14)".
	Version    string
	Release    string // "1.95.0"
	CommitHash string
	CommitDate string
	Host       string // the host target triple
	LLVM       string
}

// ParseRustcVV parses the output of `rustc -vV`.
func ParseRustcVV(out []byte) (*Rustc, error) {
	var r Rustc
	sc := bufio.NewScanner(bytes.NewReader(out))
	first := true
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if first {
			r.Version, first = line, false
			continue
		}
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		switch k {
		case "release":
			r.Release = v
		case "commit-hash":
			r.CommitHash = v
		case "commit-date":
			r.CommitDate = v
		case "host":
			r.Host = v
		case "LLVM version":
			r.LLVM = v
		}
	}
	if !strings.HasPrefix(r.Version, "rustc ") || r.Host == "" || r.Release == "" {
		return nil, fmt.Errorf("unexpected output of rustc -vV: %q", firstLine(out))
	}
	return &r, nil
}

// RustcInfo runs `rustc -vV` ($RUSTC when set).
func RustcInfo(ctx context.Context) (*Rustc, error) {
	rustc := os.Getenv("RUSTC")
	if rustc == "" {
		rustc = "rustc"
	}
	path, err := exec.LookPath(rustc)
	if err != nil {
		return nil, fmt.Errorf("%w: %s is not on PATH: install the Rust toolchain (https://rustup.rs)", ErrRustcNotFound, rustc)
	}
	out, err := exec.CommandContext(ctx, path, "-vV").Output()
	if err != nil {
		return nil, fmt.Errorf("running %s -vV: %w", rustc, err)
	}
	return ParseRustcVV(out)
}

func firstLine(b []byte) string {
	s, _, _ := strings.Cut(string(b), "\n")
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}
