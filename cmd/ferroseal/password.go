package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"

	"golang.org/x/term"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/limits"
)

const passwordHelp = `The password of a private key comes from FERROSEAL_PASSWORD (then COSIGN_PASSWORD) when set, even empty;
else from --password-file; else from a prompt on the terminal. It is never taken from the command line.`

// passwordFunc returns where a key's password comes from: the environment, a file, or the terminal.
func (a *app) passwordFunc(file string) attest.PasswordFunc {
	return func(confirm bool) ([]byte, error) {
		for _, env := range []string{"FERROSEAL_PASSWORD", "COSIGN_PASSWORD"} {
			if v, ok := a.lookupEnv(env); ok {
				return []byte(v), nil
			}
		}
		if file != "" {
			// A pipe is fine (process substitution), /dev/zero is not: the read is bounded.
			data, err := inputfile.ReadSecret(file, limits.MaxKeySize)
			if err != nil {
				return nil, fmt.Errorf("--password-file: %w", err)
			}
			line, _, _ := bytes.Cut(data, []byte("\n"))
			return bytes.TrimRight(line, "\r"), nil
		}
		tty, err := os.OpenFile("/dev/tty", os.O_RDWR, 0)
		if err != nil || !term.IsTerminal(int(tty.Fd())) {
			return nil, errors.New("no password: set FERROSEAL_PASSWORD, pass --password-file FILE, or run in a terminal")
		}
		defer tty.Close()
		read := func(prompt string) ([]byte, error) {
			fmt.Fprint(tty, prompt)
			b, err := term.ReadPassword(int(tty.Fd()))
			fmt.Fprintln(tty)
			return b, err
		}
		pw, err := read("Password for the private key: ")
		if err != nil {
			return nil, err
		}
		if confirm {
			again, err := read("Again: ")
			if err != nil {
				return nil, err
			}
			if !bytes.Equal(pw, again) {
				return nil, errors.New("the passwords differ")
			}
		}
		return pw, nil
	}
}
