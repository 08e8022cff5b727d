package main

import (
	"errors"
	"fmt"
)

// Exit codes. They are documented in the root command's help and in README.md.
const (
	exitOK = 0
	// exitError is any failure to do the job: unreadable input, a network or signing failure.
	exitError = 1
	// exitUsage is a wrong command line.
	exitUsage = 2
	// exitVerifyFailed means verification ran and the artifact failed it: tampering, wrong signer, policy mismatch.
	exitVerifyFailed = 3
	// exitNotAuditable means a binary carries no cargo-auditable dependency data.
	exitNotAuditable = 4
	// exitVulnerable means an audit found a known vulnerability in what was audited.
	exitVulnerable = 5
)

const exitCodesHelp = `Exit codes:
  0  success
  1  error (unreadable or invalid input, cargo failed, I/O, network)
  2  usage error (unknown flag, format or command)
  3  verification failed: the artifact, its bundle or its attestations do not satisfy the policy
  4  no cargo-auditable dependency data in the binary (build it with ` + "`cargo auditable build`" + `)
  5  audit: known vulnerabilities found`

// codedError carries the exit code an error maps to.
type codedError struct {
	code int
	err  error
}

func (e *codedError) Error() string { return e.err.Error() }
func (e *codedError) Unwrap() error { return e.err }

func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &codedError{code: code, err: err}
}

func usageErrorf(format string, args ...any) error {
	return &codedError{code: exitUsage, err: fmt.Errorf(format, args...)}
}

// exitCode maps an error to the process exit code.
func exitCode(err error) int {
	if err == nil {
		return exitOK
	}
	var ce *codedError
	if errors.As(err, &ce) {
		return ce.code
	}
	return exitError
}
