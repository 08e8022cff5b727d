package jsonstrict

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		name string
		in   string
		fold bool
		want error
	}{
		{name: "plain", in: `{"a":1,"b":[{"a":2},{"a":3}],"c":{"a":{"a":4}}}`},
		{name: "same name in siblings", in: `[{"name":"x"},{"name":"y"}]`},
		{name: "duplicate", in: `{"packages":[],"format":1,"packages":[1]}`, want: ErrDuplicateKey},
		{name: "nested duplicate", in: `{"packages":[{"name":"a","version":"1","name":"b"}]}`, want: ErrDuplicateKey},
		{name: "escaped duplicate", in: `{"name":"a","\u006eame":"b"}`, want: ErrDuplicateKey},
		{name: "case differs", in: `{"packages":[],"Packages":[1]}`},
		{name: "case differs, folded", in: `{"packages":[],"Packages":[1]}`, fold: true, want: ErrDuplicateKey},
		{name: "kelvin sign folded", in: `{"kind":"build","\u212aind":"runtime"}`, fold: true, want: ErrDuplicateKey},
		{name: "long s folded", in: `{"source":"a","\u017fource":"b"}`, fold: true, want: ErrDuplicateKey},
		{name: "strings with braces", in: `{"a":"{\"a\":1,\"a\":2}","b":"\\"}`},
		{name: "values are not names", in: `{"a":"a","b":"a"}`},
		{name: "too deep", in: strings.Repeat("[", 65) + strings.Repeat("]", 65), want: ErrTooDeep},
		{name: "syntax", in: `{"a":1,}`, want: ErrSyntax},
		{name: "trailing", in: `{} {}`, want: ErrSyntax},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := Check([]byte(tc.in), Options{FoldCase: tc.fold})
			if tc.want == nil && err != nil || tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("Check(%s) = %v, want %v", tc.in, err, tc.want)
			}
		})
	}
}

// FuzzCheck compares Check with encoding/json: every document Check accepts decodes to the same object through
// encoding/json as through a decoder that keeps every member, so no reader can see another value.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{`{"a":1}`, `{"a":1,"a":2}`, `[{"x":{"y":[1,{"z":null}]}}]`, `{"\u0061":1,"a":2}`, `{"A":1,"a":2}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if Check(data, Options{FoldCase: true}) != nil {
			return
		}
		var v any
		dec := json.NewDecoder(strings.NewReader(string(data)))
		dec.UseNumber()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("accepted %q, which encoding/json refuses: %v", data, err)
		}
		if n := countMembers(t, data); n != countDecoded(v) {
			t.Fatalf("accepted %q: %d members in the text, %d after decoding", data, n, countDecoded(v))
		}
	})
}

// countMembers counts object members in the text with a token reader, which keeps duplicates.
func countMembers(t *testing.T, data []byte) int {
	dec := json.NewDecoder(strings.NewReader(string(data)))
	n := 0
	var stack []bool // object?
	expectName := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return n
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{':
				stack = append(stack, true)
				expectName = true
				continue
			case '[':
				stack = append(stack, false)
			case '}', ']':
				stack = stack[:len(stack)-1]
			}
		case string:
			if expectName {
				n++
				expectName = false
				continue
			}
		}
		expectName = len(stack) > 0 && stack[len(stack)-1]
	}
}

func countDecoded(v any) int {
	switch x := v.(type) {
	case map[string]any:
		n := len(x)
		for _, e := range x {
			n += countDecoded(e)
		}
		return n
	case []any:
		n := 0
		for _, e := range x {
			n += countDecoded(e)
		}
		return n
	}
	return 0
}
