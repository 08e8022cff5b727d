package cargo

import "fmt"

// maxLockDepth bounds how deeply arrays and inline tables nest in a Cargo.lock, table headers included: cargo
// writes at most two levels ([[package]], and dependencies = [...]).
const maxLockDepth = 8

// checkTOMLDepth refuses TOML whose arrays and inline tables nest deeper than max, before a decoder sees it: the
// TOML decoder recurses once per level (a deep document exhausts the stack and kills the process) and its cost
// grows with the square of the depth. It lexes only what it must to count brackets: comments and the four kinds
// of strings. A malformed document is left for the decoder to refuse.
func checkTOMLDepth(data []byte, max int) error {
	depth, line := 0, 1
	for i := 0; i < len(data); i++ {
		switch c := data[i]; c {
		case '\n':
			line++
		case '#':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			i-- // let the newline be counted
		case '"', '\'':
			end, lines := tomlStringEnd(data, i)
			line += lines
			i = end - 1
		case '[', '{':
			if depth++; depth > max {
				return fmt.Errorf("line %d: arrays and tables nested more than %d deep; a Cargo.lock nests two", line, max)
			}
		case ']', '}':
			if depth > 0 {
				depth--
			}
		}
	}
	return nil
}

// tomlStringEnd returns the offset just past the string that starts at data[i] ('"', '\”, '"""' or "”'"), or
// len(data) for an unterminated one, and how many line breaks it holds.
func tomlStringEnd(data []byte, i int) (end, lines int) {
	q := data[i]
	multi := i+2 < len(data) && data[i+1] == q && data[i+2] == q
	j := i + 1
	if multi {
		j = i + 3
	}
	for ; j < len(data); j++ {
		switch c := data[j]; {
		case c == '\\' && q == '"':
			if j+1 < len(data) && data[j+1] == '\n' {
				lines++
			}
			j++
		case c == '\n':
			if !multi {
				return j, lines // an unterminated one-line string: the decoder will say so
			}
			lines++
		case c == q && !multi:
			return j + 1, lines
		case c == q && j+2 < len(data) && data[j+1] == q && data[j+2] == q:
			// A closing delimiter may be preceded by up to two quotes that belong to the string.
			k := j + 3
			for n := 0; n < 2 && k < len(data) && data[k] == q; n++ {
				k++
			}
			return k, lines
		}
	}
	return len(data), lines
}
