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
	// The document is valid: walk it without re-validating, keeping one set of names per open object.
	type frame struct {
		object bool
		names  map[string]struct{}
		expect bool // in an object: the next string is a member name
	}
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
				name := memberName(data[i:end])
				if opts.FoldCase {
					name = fold(name)
				}
				if top.names == nil {
					top.names = make(map[string]struct{}, 4)
				}
				if _, dup := top.names[name]; dup {
					return fmt.Errorf("%w %s at offset %d", ErrDuplicateKey, quoteShort(data[i:end]), i)
				}
				top.names[name] = struct{}{}
			}
			i = end
		default:
			i++
		}
	}
	return nil
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
