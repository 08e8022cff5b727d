package jsonsplice

import (
	"bytes"
	"encoding/json"
	"io"
	"testing"
)

func TestSplice(t *testing.T) {
	doc := map[string]any{"a": 1, "items": []any{0}, "nested": map[string]any{"items": []any{"x", "y"}}, "z": []any{"q"}}
	var skel bytes.Buffer
	enc := json.NewEncoder(&skel)
	enc.SetIndent("", "  ")
	enc.Encode(doc)
	var out bytes.Buffer
	err := Splice(&out, skel.Bytes(), []string{"z", "items"}, func(name string, w io.Writer) error {
		return Chunks(w, name, 5, 2, func(from, to int) ([]byte, error) {
			var items []any
			for i := from; i < to; i++ {
				items = append(items, map[string]any{"n": i, "of": name})
			}
			var b bytes.Buffer
			e := json.NewEncoder(&b)
			e.SetIndent("", "  ")
			err := e.Encode(map[string]any{name: items})
			return b.Bytes(), err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out.Bytes(), &got); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if n := len(got["items"].([]any)); n != 5 {
		t.Errorf("items has %d elements, want 5", n)
	}
	if n := len(got["nested"].(map[string]any)["items"].([]any)); n != 2 {
		t.Errorf("a nested array of the same name was touched: %d elements", n)
	}
	if n := len(got["z"].([]any)); n != 5 {
		t.Errorf("z has %d elements", n)
	}
	if _, err := Body(skel.Bytes(), "a"); err == nil {
		t.Error("Body of a number")
	}
}
