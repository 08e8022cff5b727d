package attest

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/format"
)

// SBOMPredicateType is the in-toto predicate type of an SBOM format, or "" for a format that cannot be a
// predicate (predicates are JSON: CycloneDX XML and SPDX tag-value are written, not attested).
func SBOMPredicateType(f format.Format) string {
	switch f.Name {
	case "cyclonedx-json":
		return PredicateCycloneDX
	case "spdx-json":
		return PredicateSPDX
	case "spdx3-json":
		return PredicateSPDX3
	}
	return ""
}

// SBOMFormatFor picks the SBOM format of an attestation of the predicate type: the explicit format name when
// given (it must fit the type), else CycloneDX JSON for CycloneDX, SPDX JSON for SPDX and SPDX 3 JSON-LD for SPDX
// 3. Other predicate types
// are not SBOMs: the error says so.
func SBOMFormatFor(predicateType, explicit string) (format.Format, error) {
	name := explicit
	switch {
	case name == "" && SameType(PredicateCycloneDX, predicateType):
		name = "cyclonedx-json"
	case name == "" && SameType(PredicateSPDX, predicateType):
		name = "spdx-json"
	case name == "" && SameType(PredicateSPDX3, predicateType):
		name = "spdx3-json"
	case name == "":
		return format.Format{}, fmt.Errorf("%w: predicate type %s is not an SBOM: give the predicate", ErrInvalidStatement, predicateType)
	}
	f, err := format.Parse(name)
	if err != nil {
		return f, err
	}
	if want := SBOMPredicateType(f); want == "" || !SameType(want, predicateType) {
		return f, fmt.Errorf("%w: SBOM format %s does not fit predicate type %s", ErrInvalidStatement, name, predicateType)
	}
	return f, nil
}

// SBOMStatement encodes doc in format f (a JSON format) and makes the statement whose predicate it is, about the
// document's subject (named name, with the subject's SHA-256 and SHA-512 when recorded). It returns the statement
// and the encoded SBOM, byte for byte the predicate.
func SBOMStatement(doc *sbom.Document, name string, f format.Format, tool format.Tool) (*Statement, []byte, error) {
	ptype := SBOMPredicateType(f)
	if ptype == "" {
		return nil, nil, fmt.Errorf("%w: %s is not a JSON SBOM format: predicates are JSON", ErrInvalidStatement, f)
	}
	var buf bytes.Buffer
	if err := format.Encode(&buf, doc, f, tool); err != nil {
		return nil, nil, err
	}
	stmt, err := NewStatement([]Subject{{Name: name, Digest: SubjectDigest(doc.Subject.Hashes)}}, ptype, buf.Bytes())
	if err != nil {
		return nil, nil, err
	}
	return stmt, buf.Bytes(), nil
}

// SubjectDigest turns recorded hashes into an in-toto digest set (sha256, sha512, ...).
func SubjectDigest(hashes []sbom.Hash) map[string]string {
	d := map[string]string{}
	for _, h := range hashes {
		d[strings.ToLower(strings.ReplaceAll(string(h.Algorithm), "-", ""))] = h.Value
	}
	return d
}
