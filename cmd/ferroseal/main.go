// Command ferroseal generates SBOMs for Rust builds and binaries, signs in-toto attestations as Sigstore bundles,
// and verifies downloaded artifacts against them. See README.md and `ferroseal --help`.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := newApp(os.Stdin, os.Stdout, os.Stderr, os.LookupEnv).run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
