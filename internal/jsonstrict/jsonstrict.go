// Package jsonstrict rejects JSON that different readers read differently. Go's encoding/json takes the last of two
// members with the same name, and matches member names to fields regardless of case; serde (the Rust readers of
// cargo-auditable data) and protojson refuse a duplicate, and match case exactly. A document with
// {"packages":[...],"Packages":[...]} therefore shows one list of crates to ferroseal and another to other tools.
// Check refuses such documents before they are decoded, and bounds their nesting.
package jsonstrict

import (
	"encoding/json"
	"errors"
	"fmt"
	"unicode"
	"unicode/utf8"
)

// ErrDuplicateKey is wrapped when an object names a member twice.
var ErrDuplicateKey = errors.New("duplicate member name")

// ErrTooDeep is wrapped when objects and arrays nest deeper than allowed.
var ErrTooDeep = errors.New("nested too deeply")

// ErrSyntax is wrapped when the document is not valid JSON.
var ErrSyntax = errors.New("not valid JSON")

// Options say how strict to be.
type Options struct {
	// MaxDepth bounds the nesting of objects and arrays; 0 means 64.
	MaxDepth int
	// FoldCase counts member names that differ only in case (as Unicode simple case folding sees it: "K" and the
	// Kelvin sign too) as duplicates, because encoding/json decodes them into the same field.
	FoldCase bool
}

// Check validates data as JSON, refuses an object that names a member twice (after unescaping, and with FoldCase
// regardless of case), and nesting deeper than the bound. The error gives the byte offset of the fault.
func Check(data []byte, opts Options) error {
	maxDepth := opts.MaxDepth
	if maxDepth <= 0 {
		maxDepth = 64
	}
	if !json.Valid(data) {
		var v any
		err := json.Unmarshal(data, &v)
		return fmt.Errorf("%w: %v", ErrSyntax, err)
	}
	// The document is valid: walk it without re-validating, keeping the names of each open object. Names are kept
	// as slices of the document (no copy) and compared pairwise while an object has few of them, which is every
	// object of a real document; past that, folded copies go into a map.
	type frame struct {
		object bool
		expect bool     // in an object: the next string is a member name
		names  [][]byte // string literals, quotes included
		set    map[string]struct{}
	}
	const fewNames = 16
	var stack []frame
	for i := 0; i < len(data); {
		c := data[i]
		switch c {
		case '{', '[':
			if len(stack) >= maxDepth {
				return fmt.Errorf("%w: more than %d levels at offset %d", ErrTooDeep, maxDepth, i)
			}
			stack = append(stack, frame{object: c == '{', expect: c == '{'})
			i++
		case '}', ']':
			stack = stack[:len(stack)-1]
			i++
		case ',':
			if top := &stack[len(stack)-1]; top.object {
				top.expect = true
			}
			i++
		case '"':
			end := stringEnd(data, i)
			if n := len(stack); n > 0 && stack[n-1].object && stack[n-1].expect {
				top := &stack[n-1]
				top.expect = false
				lit := data[i:end]
				dup := false
				if top.set == nil {
					for _, prev := range top.names {
						if sameName(prev, lit, opts.FoldCase) {
							dup = true
							break
						}
					}
					if top.names = append(top.names, lit); len(top.names) > fewNames {
						top.set = make(map[string]struct{}, 2*fewNames)
						for _, n := range top.names[:len(top.names)-1] {
							top.set[key(n, opts.FoldCase)] = struct{}{}
						}
						top.names = nil
					}
				}
				if top.set != nil {
					k := key(lit, opts.FoldCase)
					_, dup = top.set[k]
					top.set[k] = struct{}{}
				}
				if dup {
					return fmt.Errorf("%w %s at offset %d", ErrDuplicateKey, quoteShort(lit), i)
				}
			}
			i = end
		default:
			i++
		}
	}
	return nil
}

// key is the map key of a name literal: unescaped, and folded when asked.
func key(lit []byte, foldCase bool) string {
	name := memberName(lit)
	if foldCase {
		name = fold(name)
	}
	return name
}

// sameName compares two name literals as decoders see them. Literals without escapes and, when folding, of ASCII
// letters only, are compared without allocating: the common case.
func sameName(a, b []byte, foldCase bool) bool {
	if plainASCII(a) && plainASCII(b) {
		a, b = a[1:len(a)-1], b[1:len(b)-1]
		if len(a) != len(b) {
			return false
		}
		for i := range a {
			x, y := a[i], b[i]
			if foldCase {
				x, y = upper(x), upper(y)
			}
			if x != y {
				return false
			}
		}
		return true
	}
	return key(a, foldCase) == key(b, foldCase)
}

// plainASCII reports a literal of ASCII characters without escapes: two such names fold to the same name exactly
// when they are equal but for ASCII case (the non-ASCII members of the "k" and "s" orbits, the Kelvin sign and the
// long s, cannot occur in them).
func plainASCII(lit []byte) bool {
	for _, c := range lit {
		if c == '\\' || c >= 0x80 {
			return false
		}
	}
	return true
}

func upper(c byte) byte {
	if 'a' <= c && c <= 'z' {
		return c - 32
	}
	return c
}

// stringEnd returns the offset just past the string literal that starts at data[i] (a valid document).
func stringEnd(data []byte, i int) int {
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			j++
		case '"':
			return j + 1
		}
	}
	return len(data)
}

// memberName unescapes a string literal when it holds escapes.
func memberName(lit []byte) string {
	for _, c := range lit {
		if c == '\\' {
			var s string
			if json.Unmarshal(lit, &s) == nil {
				return s
			}
			break
		}
	}
	return string(lit[1 : len(lit)-1])
}

// fold maps every rune to the smallest rune of its simple case folding orbit, so that two names that
// encoding/json would match to one field fold to one string.
func fold(s string) string {
	b := make([]byte, 0, len(s))
	for _, r := range s {
		min := r
		for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
			if f < min {
				min = f
			}
		}
		b = utf8.AppendRune(b, min)
	}
	return string(b)
}

func quoteShort(lit []byte) string {
	if len(lit) > 66 {
		return string(lit[:64]) + `…"`
	}
	return string(lit)
}
