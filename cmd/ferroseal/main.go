// Command ferroseal generates SBOMs for Rust builds and binaries, signs in-toto attestations as Sigstore bundles,
// and verifies downloaded artifacts against them. See README.md and `ferroseal --help`.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"runtime/debug"
	"syscall"
	"time"

	"github.com/ferroseal/ferroseal/internal/cleanup"
)

// stopGrace is how long the work may take to wind down after the first SIGINT or SIGTERM.
const stopGrace = 2 * time.Second

// maxProcs bounds the threads that run Go code. ferroseal's work is reading and hashing files, which a few cores
// keep up with on any disk; each further processor adds memory (the collector's per-processor work buffers, one
// more binary being read at once) and no speed, so a machine's core count does not multiply memory.
const maxProcs = 4

// gcPercent is the collector's target unless GOGC says otherwise. At 100 the first collection comes at 4 MiB of
// heap, which the program's package initialisation alone nearly fills (the signing stack compiles regular
// expressions and protobuf descriptors): a one-binary run then collects once, on the core that hashes the binary.
// At 200 it does not, and the heap of a long run grows to three times what is live instead of two.
const gcPercent = 200

func main() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	runtime.GOMAXPROCS(min(runtime.GOMAXPROCS(0), maxProcs))
	os.Exit(runMain(os.Args[1:]))
}

// runMain runs the command with signal handling: the first SIGINT or SIGTERM cancels the work, removes the
// temporary files the run made and ends the process within stopGrace whatever the work is doing (a read that
// ignores the context cannot keep it alive); a second signal ends it at once. The exit code is then 128 plus the
// signal's number, as shells report it.
func runMain(args []string) int {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	sigs := make(chan os.Signal, 2)
	signal.Notify(sigs, os.Interrupt, syscall.SIGTERM)
	done := make(chan int, 1)
	go func() { done <- newApp(os.Stdin, os.Stdout, os.Stderr, os.LookupEnv).run(ctx, args) }()
	select {
	case code := <-done:
		return code
	case sig := <-sigs:
		cancel()
		cleanup.RemoveAll()
		fmt.Fprintf(os.Stderr, "ferroseal: stopped by %s\n", sig)
		select {
		case <-done:
		case <-sigs:
		case <-time.After(stopGrace):
		}
		cleanup.RemoveAll()
		code := 128 + 2
		if s, ok := sig.(syscall.Signal); ok {
			code = 128 + int(s)
		}
		return code
	}
}
