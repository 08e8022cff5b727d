// Package jsonsplice streams the large arrays of a pretty-printed JSON document. The SBOM libraries encode a whole
// document with encoding/json, which builds the complete text in memory (twice, with indentation) before writing
// it; for a program of a hundred thousand crates that is hundreds of megabytes. Instead, the document is encoded
// by the library once with one placeholder element in each large array (the skeleton), and the elements are
// encoded by the same library a chunk at a time (each chunk a small document of its own) and spliced into the
// skeleton's arrays as they are written. Every byte still comes from the library's encoder; only the assembly is
// done here, so the output is the library's, byte for byte.
//
// It relies on the layout encoding/json writes with SetIndent("", "  "): a top-level member is a line starting with
// two spaces and its quoted name, the elements of a top-level array are indented by four, and the array closes on
// a line of two spaces and "]". JSON strings hold no raw line breaks, so these lines are found without parsing.
package jsonsplice

import (
	"bytes"
	"fmt"
	"io"
)

// Body returns the elements of the top-level array name in a document written with two-space indentation: the
// text between the line that opens the array and the line that closes it, without the line breaks around it.
func Body(doc []byte, name string) ([]byte, error) {
	open := []byte("\n  \"" + name + "\": [\n")
	i := bytes.Index(doc, open)
	if i < 0 {
		return nil, fmt.Errorf("jsonsplice: no top-level array %q with elements", name)
	}
	start := i + len(open)
	end := bytes.Index(doc[start:], []byte("\n  ]"))
	if end < 0 {
		return nil, fmt.Errorf("jsonsplice: the array %q does not close", name)
	}
	return doc[start : start+end], nil
}

// Splice writes skeleton to w with the elements of each named top-level array replaced: fill(name, w) writes the
// array's elements, indented by four spaces and separated by ",\n", with no line break before the first or after
// the last. The arrays are replaced in the order they appear in the skeleton.
func Splice(w io.Writer, skeleton []byte, names []string, fill func(name string, w io.Writer) error) error {
	type span struct {
		name       string
		start, end int
	}
	var spans []span
	for _, name := range names {
		open := []byte("\n  \"" + name + "\": [\n")
		i := bytes.Index(skeleton, open)
		if i < 0 {
			return fmt.Errorf("jsonsplice: no top-level array %q with elements", name)
		}
		start := i + len(open)
		end := bytes.Index(skeleton[start:], []byte("\n  ]"))
		if end < 0 {
			return fmt.Errorf("jsonsplice: the array %q does not close", name)
		}
		spans = append(spans, span{name, start, start + end})
	}
	// In the skeleton's order.
	for i := range spans {
		for j := i + 1; j < len(spans); j++ {
			if spans[j].start < spans[i].start {
				spans[i], spans[j] = spans[j], spans[i]
			}
		}
	}
	at := 0
	for _, s := range spans {
		if _, err := w.Write(skeleton[at:s.start]); err != nil {
			return err
		}
		if err := fill(s.name, w); err != nil {
			return err
		}
		at = s.end
	}
	_, err := w.Write(skeleton[at:])
	return err
}

// Chunks writes the elements of an array n at a time: encode(from, to) encodes a small document holding elements
// [from, to) in its top-level array name, whose body is written, chunks joined by ",\n".
func Chunks(w io.Writer, name string, total, n int, encode func(from, to int) ([]byte, error)) error {
	for from := 0; from < total; from += n {
		to := min(from+n, total)
		doc, err := encode(from, to)
		if err != nil {
			return err
		}
		body, err := Body(doc, name)
		if err != nil {
			return err
		}
		if from > 0 {
			if _, err := io.WriteString(w, ",\n"); err != nil {
				return err
			}
		}
		if _, err := w.Write(body); err != nil {
			return err
		}
	}
	return nil
}
