// Package prefetch hashes the binary a command line names while the program is still starting.
//
// ferroseal's package initialisation (the signing stack's: regular expressions compiled, protobuf descriptors
// built) takes a few milliseconds on one core before main runs; for `ferroseal sbom BINARY` hashing the binary is
// the rest of the run. Importing this package starts that hash on another core during initialisation, and Take
// gives it to the reader of the file, if it is the same file, unchanged, by the time it is opened. Only the
// command program imports it: it reads os.Args.
package prefetch

import (
	"os"
	"strings"
	"sync"
)

type result struct {
	path string
	id   fileID
	sum  string
	ok   bool
	done chan struct{}
}

var (
	mu      sync.Mutex
	started *result
)

// Take returns the SHA-256 (hex) of the open file f, if it was hashed early: the same file as the one the command
// line named at path, unchanged since. It waits for the early hash to end, and gives it once.
func Take(path string, f *os.File) (string, bool) {
	mu.Lock()
	r := started
	if r == nil || r.path != path {
		mu.Unlock()
		return "", false
	}
	started = nil
	mu.Unlock()
	<-r.done
	if !r.ok {
		return "", false
	}
	fi, err := f.Stat()
	if err != nil {
		return "", false
	}
	if id, ok := idOf(fi); !ok || id != r.id {
		return "", false
	}
	return r.sum, true
}

// Candidate returns the file worth hashing early for a command line (without the program name): the one binary
// of `ferroseal sbom BINARY` when SHA-256 alone is asked for, else "". It guesses from the arguments alone, before
// they are parsed; a wrong guess costs a hash on an idle core and nothing else.
func Candidate(args []string) string {
	if len(args) < 2 || args[0] != "sbom" || subcommands[args[1]] {
		return ""
	}
	var files []string
	for i := 1; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "--":
			files = append(files, args[i+1:]...)
			i = len(args)
		case strings.HasPrefix(a, "--hash") || a == "--help" || a == "-h":
			return "" // other digests, or no work
		case strings.HasPrefix(a, "-"):
			if !strings.Contains(a, "=") && takesValue[strings.TrimLeft(a, "-")] {
				i++
			}
		default:
			files = append(files, a)
		}
	}
	if len(files) != 1 {
		return ""
	}
	return files[0]
}

// subcommands are the sbom command's own commands, which read SBOMs, not binaries.
var subcommands = map[string]bool{"convert": true, "check": true, "help": true}

// takesValue are the sbom command's flags that take a value in the next argument.
var takesValue = map[string]bool{
	"o": true, "output": true, "output-dir": true, "name": true, "lockfile": true, "manifest-path": true,
	"metadata": true, "features": true, "F": true, "target": true, "package": true, "p": true, "jobs": true,
	"platform": true, "max-file-size": true, "max-payload-size": true, "profile": true, "sbom-author": true,
	"download-url": true, "crate-dir": true,
}
