package advisory

import (
	"debug/elf"
	"debug/macho"
	"strconv"
	"strings"
)

// maxSymbolTable bounds the symbol and string tables read for function hints.
const maxSymbolTable = 512 << 20

// Symbols returns a lookup telling whether the binary's symbol table names a function given by its Rust path
// (crate::module::function), or nil when the binary has no symbol table to look at (stripped, PE, WebAssembly) or
// the table is too large. Rust symbols are mangled: a path's segments appear in them, in order, each preceded by
// its length, in both the legacy and the v0 scheme. A hint, never a proof: inlined code has no symbol of its own,
// a method's symbol names its impl block, and a symbol can belong to dead code.
func Symbols(path string) func(string) bool {
	names := symbolNames(path)
	if len(names) == 0 {
		return nil
	}
	return func(fn string) bool {
		needle := mangledSegments(fn)
		if needle == "" {
			return false
		}
		for _, s := range names {
			if strings.Contains(s, needle) {
				return true
			}
		}
		return false
	}
}

// mangledSegments is a path's segments as mangling writes them: "a::bc" becomes "1a2bc".
func mangledSegments(path string) string {
	var b strings.Builder
	for _, seg := range strings.Split(path, "::") {
		if seg == "" {
			return ""
		}
		b.WriteString(strconv.Itoa(len(seg)))
		b.WriteString(seg)
	}
	return b.String()
}

func symbolNames(path string) []string {
	if f, err := elf.Open(path); err == nil {
		defer f.Close()
		s := f.Section(".symtab")
		if s == nil || s.Size > maxSymbolTable {
			return nil
		}
		syms, err := f.Symbols()
		if err != nil {
			return nil
		}
		var out []string
		for _, sym := range syms {
			if elf.ST_TYPE(sym.Info) == elf.STT_FUNC {
				out = append(out, sym.Name)
			}
		}
		return out
	}
	if f, err := macho.Open(path); err == nil {
		defer f.Close()
		if f.Symtab == nil || len(f.Symtab.Syms) > maxSymbolTable/16 {
			return nil
		}
		var out []string
		for _, sym := range f.Symtab.Syms {
			out = append(out, sym.Name)
		}
		return out
	}
	return nil
}
