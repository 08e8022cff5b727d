// Command mkfixture makes the odd inputs the fixture script needs:
//
//	mkfixture zlib IN OUT          OUT = zlib(IN)
//	mkfixture bomb N OUT           OUT = zlib of a JSON document of N bytes (a decompression bomb)
//	mkfixture wasm-custom IN DATA OUT
//	                               OUT = the Wasm module IN plus a custom section .dep-v0 holding DATA, its sizes
//	                               written as 5-byte padded LEB128 (as Go's linker and llvm-objcopy write them)
package main

import (
	"bytes"
	"fmt"
	"os"
	"strconv"

	"github.com/ferroseal/ferroseal/internal/elfgen"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "mkfixture:", err)
		os.Exit(1)
	}
}

// paddedLEB writes v as a 5-byte unsigned LEB128.
func paddedLEB(v uint32) []byte {
	b := make([]byte, 5)
	for i := 0; i < 5; i++ {
		b[i] = byte(v>>(7*i)) & 0x7f
		if i < 4 {
			b[i] |= 0x80
		}
	}
	return b
}

func run(args []string) error {
	if len(args) < 1 {
		return fmt.Errorf("usage: mkfixture zlib|bomb|wasm-custom ...")
	}
	switch args[0] {
	case "zlib":
		if len(args) != 3 {
			return fmt.Errorf("usage: mkfixture zlib IN OUT")
		}
		in, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		return os.WriteFile(args[2], elfgen.Zlib(in), 0o644)
	case "bomb":
		if len(args) != 3 {
			return fmt.Errorf("usage: mkfixture bomb N OUT")
		}
		n, err := strconv.Atoi(args[1])
		if err != nil {
			return err
		}
		doc := append([]byte(`{"packages":[],"pad":"`), bytes.Repeat([]byte{' '}, n)...)
		doc = append(doc, `"}`...)
		return os.WriteFile(args[2], elfgen.Zlib(doc), 0o644)
	case "wasm-custom":
		if len(args) != 4 {
			return fmt.Errorf("usage: mkfixture wasm-custom IN DATA OUT")
		}
		mod, err := os.ReadFile(args[1])
		if err != nil {
			return err
		}
		data, err := os.ReadFile(args[2])
		if err != nil {
			return err
		}
		name := []byte(".dep-v0")
		body := append(paddedLEB(uint32(len(name))), name...)
		body = append(body, data...)
		sec := append([]byte{0}, paddedLEB(uint32(len(body)))...)
		sec = append(sec, body...)
		return os.WriteFile(args[3], append(mod, sec...), 0o644)
	}
	return fmt.Errorf("unknown command %q", args[0])
}
