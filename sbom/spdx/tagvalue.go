package spdx

import (
	"reflect"
	"regexp"
	"strings"
	"unicode"
)

// The tag-value format has one tag and value per line, and multi-line values between <text> and </text>, with no
// escaping at all. A value that holds a line break therefore starts a line of its own choosing (a package, a
// license, a creator), and one that holds <text> or </text> opens or closes a text block and swallows or frees the
// lines after it. Text reaches the document from crates' metadata, lockfiles, binaries and archive entry names, all
// written by others, so every string is made safe for its place before the document is written: one line for
// single-line tags, no line breaks but real ones in text blocks, and neither text marker anywhere.

// textTags are the fields whose lines ferroseal composes itself ("name: value", each value kept to its line): the
// only fields whose line breaks are kept, in the <text> block tools-golang's writer puts them in. Every other field,
// crate descriptions included, is written on one line, so that no line of the document, in a text block or not,
// starts with text from the inputs.
var textTags = map[string]bool{"PackageComment": true, "DocumentComment": true, "CreatorComment": true}

// textMarker matches what the tag-value reader takes for the start or end of a text block, in any case.
var textMarker = regexp.MustCompile(`(?i)<(/?)text>`)

// tagValueLine makes s safe as a single-line value: every control character and line or paragraph separator
// becomes a space, and text markers are written as entities.
func tagValueLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) || r == 0x2028 || r == 0x2029 {
			return ' '
		}
		return r
	}, s)
	return noTextMarker(s)
}

// noTextMarker writes the text markers in s as entities.
func noTextMarker(s string) string {
	if !strings.Contains(s, "<") {
		return s
	}
	return textMarker.ReplaceAllString(s, "&lt;${1}text&gt;")
}

// tagValueText makes s safe inside a text block: line feeds stay (they are the block's lines), every other
// control character becomes a space, and text markers are written as entities.
func tagValueText(s string) string {
	s = strings.ReplaceAll(s, "\r\n", "\n")
	s = strings.Map(func(r rune) rune {
		if r != '\n' && (unicode.IsControl(r) || r == 0x2028 || r == 0x2029) {
			return ' '
		}
		return r
	}, s)
	return noTextMarker(s)
}

// sanitizeTagValue rewrites every string of the document, in place, for its place in tag-value: the fields of
// textTags with tagValueText, every other field with tagValueLine. It walks the whole document, so a
// field this code never names is made safe too.
func sanitizeTagValue(doc any) {
	walkStrings(reflect.ValueOf(doc), "")
}

func walkStrings(v reflect.Value, field string) {
	switch v.Kind() {
	case reflect.Pointer, reflect.Interface:
		if !v.IsNil() {
			walkStrings(v.Elem(), field)
		}
	case reflect.Struct:
		t := v.Type()
		for i := range v.NumField() {
			if t.Field(i).IsExported() {
				walkStrings(v.Field(i), t.Field(i).Name)
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			walkStrings(v.Index(i), field)
		}
	case reflect.Map:
		for _, k := range v.MapKeys() {
			e := v.MapIndex(k)
			if e.Kind() == reflect.String {
				v.SetMapIndex(k, reflect.ValueOf(tagValueLine(e.String())).Convert(e.Type()))
			}
		}
	case reflect.String:
		if !v.CanSet() {
			return
		}
		if textTags[field] {
			v.SetString(tagValueText(v.String()))
		} else {
			v.SetString(tagValueLine(v.String()))
		}
	}
}
