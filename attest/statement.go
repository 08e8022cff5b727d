// Package attest owns in-toto attestations: Statements about artifacts (SBOM predicates, made here from a
// document with SBOMStatement, and SLSA provenance predicates), signed as DSSE envelopes inside Sigstore bundles
// through sigstore-go, with a key or keyless, and their verification against a policy the caller supplies.
//
// # Security
//
// Verification fails closed. The policy (which key or identity, which predicate types, how many transparency log
// entries and timestamps) is always the caller's: nothing is taken from the bundle but what it proves. Every
// failure of the evidence (a bundle that does not parse, a signature that does not verify, a subject that does
// not match the artifact, an unexpected predicate type, an SBOM that does not describe the binary) wraps
// [ErrVerificationFailed], so that callers can tell tampering from breakage. Bundles, lines and predicates are
// read within the limits of package internal/limits, and the artifact's digest is computed by streaming it.
package attest

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	intoto "github.com/in-toto/attestation/go/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/ferroseal/ferroseal/internal/jsonstrict"
	"github.com/ferroseal/ferroseal/internal/limits"
)

// In-toto and predicate type URIs.
const (
	// StatementType is the in-toto Statement v1 type, the one ferroseal writes.
	StatementType = "https://in-toto.io/Statement/v1"
	// StatementTypeV01 is the earlier type, which cosign still writes; accepted when verifying.
	StatementTypeV01 = "https://in-toto.io/Statement/v0.1"
	// PayloadType is the DSSE payload type of an in-toto statement.
	PayloadType = "application/vnd.in-toto+json"

	// PredicateCycloneDX is a CycloneDX BOM, unversioned as GitHub and cosign write it.
	PredicateCycloneDX = "https://cyclonedx.org/bom"
	// PredicateSPDX is an SPDX document, as cosign writes it.
	PredicateSPDX = "https://spdx.dev/Document"
	// PredicateSPDX23 is an SPDX 2.3 document, as GitHub writes it; accepted when verifying.
	PredicateSPDX23 = "https://spdx.dev/Document/v2.3"
	// PredicateSPDX3 is an SPDX 3 document, as the in-toto attestation framework names it.
	PredicateSPDX3 = "https://spdx.dev/Document/v3"
	// PredicateSLSAProvenance1 is SLSA Provenance v1.
	PredicateSLSAProvenance1 = "https://slsa.dev/provenance/v1"
	// PredicateOpenVEX is an OpenVEX document, named by its context as OpenVEX and cosign do.
	PredicateOpenVEX = "https://openvex.dev/ns/v0.2.0"
	// PredicateVulns is the in-toto vulnerability scan result (vulns v0.2).
	PredicateVulns = "https://in-toto.io/attestation/vulns/v0.2"
)

// ErrInvalidStatement is wrapped by errors about a statement's content.
var ErrInvalidStatement = errors.New("invalid in-toto statement")

// PredicateType maps the names users give (cyclonedx, spdx, spdx3, slsaprovenance1, slsaprovenance) to type URIs;
// a URI is returned as is.
func PredicateType(name string) (string, error) {
	switch strings.ToLower(name) {
	case "cyclonedx", "cdx":
		return PredicateCycloneDX, nil
	case "spdx", "spdxjson":
		return PredicateSPDX, nil
	case "spdx3", "spdx3json":
		return PredicateSPDX3, nil
	case "slsaprovenance1", "slsaprovenance", "slsa", "provenance":
		return PredicateSLSAProvenance1, nil
	case "openvex", "vex":
		return PredicateOpenVEX, nil
	case "vuln", "vulns":
		return PredicateVulns, nil
	}
	if strings.Contains(name, "://") {
		return name, nil
	}
	return "", fmt.Errorf("unknown predicate type %q: use cyclonedx, spdx, spdx3, slsaprovenance1, openvex, vuln or a URI", name)
}

// SameType reports whether a statement's predicate type satisfies the expected one: identical, or both SPDX 2 (the
// two spellings in use), or both SPDX 3 (versioned to the minor or patch, as some tools write it).
func SameType(expected, got string) bool {
	if expected == got {
		return true
	}
	for _, same := range [][]string{
		{PredicateSPDX, PredicateSPDX23},
		{PredicateSPDX3, PredicateSPDX3 + ".0", PredicateSPDX3 + ".0.1"},
	} {
		if slices.Contains(same, expected) && slices.Contains(same, got) {
			return true
		}
	}
	return false
}

// Subject is an artifact a statement is about, identified by its digests.
type Subject struct {
	Name string `json:"name"`
	// Digest maps algorithm names (sha256, sha512) to lowercase hex digests.
	Digest map[string]string `json:"digest"`
}

// Statement is an in-toto Statement v1. The predicate is kept as raw JSON, byte for byte.
type Statement struct {
	Type          string          `json:"_type"`
	Subject       []Subject       `json:"subject"`
	PredicateType string          `json:"predicateType"`
	Predicate     json.RawMessage `json:"predicate"`

	raw json.RawMessage // the statement as parsed: the bytes that were signed
}

// NewStatement makes and validates a statement. The predicate must be a JSON object; it is embedded as is (after
// compaction), so that numbers and key order survive.
func NewStatement(subjects []Subject, predicateType string, predicate []byte) (*Statement, error) {
	var compact bytes.Buffer
	if err := json.Compact(&compact, predicate); err != nil {
		return nil, fmt.Errorf("%w: the predicate is not JSON: %v", ErrInvalidStatement, err)
	}
	s := &Statement{Type: StatementType, Subject: slices.Clone(subjects), PredicateType: predicateType, Predicate: compact.Bytes()}
	slices.SortFunc(s.Subject, func(a, b Subject) int { return strings.Compare(a.Name, b.Name) })
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return s, nil
}

// Bytes returns the statement's JSON: compact, keys in a fixed order, the predicate as given.
func (s *Statement) Bytes() ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

// Validate checks the statement with the in-toto attestation library's own rules (type, subjects with digests,
// predicate type, an object predicate), and ours: hex digests of the right length for sha256 and sha512.
func (s *Statement) Validate() error {
	b, err := s.Bytes()
	if err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidStatement, err)
	}
	var pb intoto.Statement
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(b, &pb); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidStatement, err)
	}
	if err := pb.Validate(); err != nil {
		return fmt.Errorf("%w: %v", ErrInvalidStatement, err)
	}
	if s.Type != StatementType && s.Type != StatementTypeV01 {
		return fmt.Errorf("%w: _type %q, want %s", ErrInvalidStatement, s.Type, StatementType)
	}
	for _, sub := range s.Subject {
		for alg, d := range sub.Digest {
			want := map[string]int{"sha256": 64, "sha512": 128, "sha384": 96, "sha1": 40}[alg]
			if _, err := hex.DecodeString(d); err != nil || (want > 0 && len(d) != want) || strings.ToLower(d) != d {
				return fmt.Errorf("%w: subject %q: malformed %s digest", ErrInvalidStatement, sub.Name, alg)
			}
		}
	}
	return nil
}

// maxStatementDepth bounds the nesting of a statement, its predicate included.
const maxStatementDepth = 128

// ParseStatement parses and validates statement JSON.
func ParseStatement(b []byte) (*Statement, error) {
	if int64(len(b)) > limits.MaxBundleSize {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInvalidStatement, limits.MaxBundleSize)
	}
	// Members named twice, or twice but for case, read differently in encoding/json (the last wins, any case) and
	// in protojson and other verifiers: refuse them, so that every reader sees the statement that was signed.
	if err := jsonstrict.Check(b, jsonstrict.Options{MaxDepth: maxStatementDepth, FoldCase: true}); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidStatement, err)
	}
	var s Statement
	dec := json.NewDecoder(bytes.NewReader(b))
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidStatement, err)
	}
	if err := s.Validate(); err != nil {
		return nil, err
	}
	s.raw = json.RawMessage(bytes.Clone(bytes.TrimSpace(b)))
	return &s, nil
}

// Covers reports whether one of the statement's subjects has the given digest.
func (s *Statement) Covers(alg, hexDigest string) bool {
	for _, sub := range s.Subject {
		if d, ok := sub.Digest[alg]; ok && strings.EqualFold(d, hexDigest) {
			return true
		}
	}
	return false
}

// StatementFor makes the statement to sign about subjects from a predicate file. A file that is itself an in-toto
// statement (what ferroseal provenance and ferroseal build write) is signed as it is, not wrapped as a predicate:
// its predicate type must be the one asked for and its subjects exactly the artifacts given (by SHA-256), else it
// is refused. Anything else is the predicate of a new statement about the subjects.
func StatementFor(data []byte, predicateType string, subjects []Subject) (*Statement, error) {
	var probe struct {
		Type          string `json:"_type"`
		PredicateType string `json:"predicateType"`
	}
	if json.Unmarshal(data, &probe) != nil || (probe.Type != StatementType && probe.Type != StatementTypeV01) || probe.PredicateType == "" {
		return NewStatement(subjects, predicateType, data)
	}
	stmt, err := ParseStatement(data)
	if err != nil {
		return nil, err
	}
	if !SameType(predicateType, stmt.PredicateType) {
		return nil, fmt.Errorf("%w: the file is a statement of predicate type %s, not %s", ErrInvalidStatement, stmt.PredicateType, predicateType)
	}
	covers := func(set []Subject, d map[string]string) bool {
		return slices.ContainsFunc(set, func(s Subject) bool { return s.Digest["sha256"] != "" && s.Digest["sha256"] == d["sha256"] })
	}
	for _, s := range subjects {
		if !covers(stmt.Subject, s.Digest) {
			return nil, fmt.Errorf("%w: the statement does not name %s (sha256:%s) among its subjects", ErrInvalidStatement, s.Name, s.Digest["sha256"])
		}
	}
	for _, s := range stmt.Subject {
		if !covers(subjects, s.Digest) {
			return nil, fmt.Errorf("%w: the statement names %q (sha256:%s), which is not among the artifacts given", ErrInvalidStatement, s.Name, s.Digest["sha256"])
		}
	}
	return stmt, nil
}
