package advisory

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	"github.com/openvex/go-vex/pkg/vex"

	"github.com/ferroseal/ferroseal/internal/safetext"
	"github.com/ferroseal/ferroseal/sbom"
)

// Output formats of an audit.
const (
	Table        = "table"
	JSON         = "json"
	SARIF        = "sarif"
	OpenVEX      = "openvex"
	CycloneDXVEX = "cyclonedx-vex"
	// Vulns is the in-toto vulnerability scan predicate (https://in-toto.io/attestation/vulns/v0.2).
	Vulns = "vulns"
)

// Formats lists the output formats, the default first.
var Formats = []string{Table, JSON, SARIF, OpenVEX, CycloneDXVEX, Vulns}

// Meta says who made the reports and when, for the documents that record it.
type Meta struct {
	// Author is the VEX author (OpenVEX requires one).
	Author string
	// Time is the documents' time (SOURCE_DATE_EPOCH for reproducible documents).
	Time time.Time
	// Tool and ToolVersion name the program.
	Tool, ToolVersion string
	// Database names the advisory database read (its directory and, when known, its commit).
	Database string
	// DatabaseUpdated is when the database was last updated (its newest advisory's date when nothing better is
	// known).
	DatabaseUpdated time.Time
}

// Write encodes the reports in the format.
func Write(w io.Writer, format string, reports []*Report, m Meta) error {
	switch format {
	case Table:
		return writeTable(w, reports)
	case JSON:
		return writeJSON(w, reports, m)
	case SARIF:
		return writeSARIF(w, reports, m)
	case OpenVEX:
		return writeOpenVEX(w, reports, m)
	case CycloneDXVEX:
		return writeCycloneDXVEX(w, reports, m)
	case Vulns:
		return writeVulns(w, reports, m)
	}
	return fmt.Errorf("unknown audit output %q: want one of %s", format, strings.Join(Formats, ", "))
}

func severity(a *Advisory) string {
	if a.CVSS == "" {
		return "-"
	}
	if s, ok := cvssSeverity(a.CVSS); ok {
		return s
	}
	if v, _, ok := strings.Cut(a.CVSS, "/"); ok && strings.HasPrefix(v, "CVSS:") {
		return v + " (vector in JSON)"
	}
	return "CVSS given"
}

func kind(f *Finding) string {
	if f.Advisory.Informational != "" {
		return f.Advisory.Informational
	}
	return "vulnerability"
}

func patchedText(a *Advisory) string {
	if len(a.Patched) > 0 {
		return strings.Join(a.Patched, " or ")
	}
	var fixed []string
	for _, r := range a.Ranges {
		if r.Fixed != "" {
			fixed = append(fixed, ">= "+r.Fixed)
		}
	}
	if len(fixed) > 0 {
		return strings.Join(fixed, " or ")
	}
	return "none"
}

// writeTable prints what an operator reads: vulnerabilities, then build-only and warnings, then what is not
// affected and why. Every text from the database is made safe for a terminal.
func writeTable(w io.Writer, reports []*Report) error {
	for i, r := range reports {
		if i > 0 {
			fmt.Fprintln(w)
		}
		fmt.Fprintf(w, "%s: %d crates checked", safetext.Line(r.Subject, 200), r.Crates)
		if len(r.Targets) > 0 {
			var ts []string
			for _, t := range r.Targets {
				ts = append(ts, t.String())
			}
			fmt.Fprintf(w, " (target %s)", safetext.Line(strings.Join(ts, "; "), 200))
		}
		fmt.Fprintln(w)
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
		fmt.Fprintln(tw, "ADVISORY\tCRATE\tVERSION\tPATCHED\tSEVERITY\tKIND\tSCOPE\tSTATUS")
		rows := 0
		for _, f := range r.Findings {
			if f.Status == Fixed {
				continue
			}
			status := string(f.Status)
			if f.Reason != "" {
				status += ": " + f.Reason
			}
			if len(f.Functions) > 0 {
				var present []string
				for _, h := range f.Functions {
					if h.Present {
						present = append(present, h.Path)
					}
				}
				status += fmt.Sprintf("; symbols of %d of its %d affected functions in the binary", len(present), len(f.Functions))
				if len(present) > 0 {
					status += " (" + strings.Join(present, ", ") + ")"
				}
				status += " (a hint)"
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", safetext.Line(f.Advisory.ID, 40), safetext.Line(f.Crate, 64),
				safetext.Line(f.Version, 40), safetext.Line(patchedText(f.Advisory), 80), safetext.Line(severity(f.Advisory), 80),
				kind(&f), f.Scope, safetext.Line(status, 400))
			rows++
		}
		if rows == 0 {
			fmt.Fprintln(tw, "(no advisory applies)\t\t\t\t\t\t\t")
		}
		if err := tw.Flush(); err != nil {
			return err
		}
		fmt.Fprintf(w, "%d vulnerabilities, %d in build-only crates, %d warnings\n", len(r.Vulnerabilities()), len(r.BuildOnly()), len(r.Warnings()))
		if len(r.NotMatched) > 0 {
			fmt.Fprintf(w, "not matched against crates.io advisories: %s\n", safetext.Line(strings.Join(r.NotMatched, ", "), 400))
		}
	}
	return nil
}

type jsonReport struct {
	*Report
	Summary struct {
		Vulnerabilities int `json:"vulnerabilities"`
		BuildOnly       int `json:"buildOnly"`
		Warnings        int `json:"warnings"`
	} `json:"summary"`
}

func writeJSON(w io.Writer, reports []*Report, m Meta) error {
	out := struct {
		Database string       `json:"database,omitempty"`
		Reports  []jsonReport `json:"reports"`
	}{Database: m.Database}
	for _, r := range reports {
		jr := jsonReport{Report: r}
		jr.Summary.Vulnerabilities, jr.Summary.BuildOnly, jr.Summary.Warnings = len(r.Vulnerabilities()), len(r.BuildOnly()), len(r.Warnings())
		if jr.Findings == nil {
			jr.Findings = []Finding{}
		}
		out.Reports = append(out.Reports, jr)
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}

// advisoryURL is the advisory's page on rustsec.org.
func advisoryURL(a *Advisory) string {
	if strings.HasPrefix(a.ID, "RUSTSEC-") {
		return "https://rustsec.org/advisories/" + a.ID + ".html"
	}
	return a.URL
}

// productID identifies the artifact in VEX: its purl when the document gave one with its digest, else the
// artifact purl of its name and digest (sbom.ArtifactPURL), else its name; the digest binds the statement to the
// file either way.
func productID(r *Report) string {
	sha := r.Digest["sha256"]
	if sha != "" && strings.Contains(r.PURL, "checksum=sha256:"+sha) {
		return r.PURL
	}
	if p := sbom.ArtifactPURL(r.Subject, "", sha); p != "" {
		return p
	}
	return r.Subject
}

// vexFindings are the findings a VEX document states: vulnerabilities (not warnings), of every status.
func vexFindings(r *Report) []Finding {
	return r.filter(func(f *Finding) bool { return !f.Warning() })
}

func writeOpenVEX(w io.Writer, reports []*Report, m Meta) error {
	doc := vex.VEX{Metadata: vex.Metadata{Context: vex.ContextLocator(), Author: m.Author, AuthorRole: "Document Creator",
		Version: 1, Tooling: strings.TrimSpace(m.Tool + " " + m.ToolVersion)}}
	ts := m.Time.UTC()
	doc.Timestamp = &ts
	doc.Statements = []vex.Statement{}
	for _, r := range reports {
		product := vex.Product{Component: vex.Component{ID: productID(r)}}
		if len(r.Digest) > 0 {
			product.Hashes = map[vex.Algorithm]vex.Hash{}
			for alg, v := range r.Digest {
				switch alg {
				case "sha256":
					product.Hashes[vex.SHA256] = vex.Hash(v)
				case "sha512":
					product.Hashes[vex.SHA512] = vex.Hash(v)
				}
			}
		}
		for _, f := range vexFindings(r) {
			st := vex.Statement{
				Vulnerability: vex.Vulnerability{ID: advisoryURL(f.Advisory), Name: vex.VulnerabilityID(f.Advisory.ID), Description: f.Advisory.Title},
				Products:      []vex.Product{product},
			}
			for _, al := range f.Advisory.Aliases {
				st.Vulnerability.Aliases = append(st.Vulnerability.Aliases, vex.VulnerabilityID(al))
			}
			sub := f.PURL
			if sub == "" {
				sub = "pkg:cargo/" + f.Crate + "@" + f.Version
			}
			st.Products[0].Subcomponents = []vex.Subcomponent{{Component: vex.Component{ID: sub}}}
			switch {
			case f.Status == Fixed:
				st.Status = vex.StatusFixed
			case f.Status == Affected && f.Scope == "build":
				st.Status, st.Justification = vex.StatusNotAffected, vex.ComponentNotPresent
				st.ImpactStatement = f.Crate + " ran on the build machine only (a build script's or proc-macro's dependency): it is not in the artifact"
			case f.Status == Affected:
				st.Status = vex.StatusAffected
				st.ActionStatement = "Update " + f.Crate + " to a patched version (" + patchedText(f.Advisory) + ") and rebuild"
			case f.Ignored:
				st.Status, st.ImpactStatement = vex.StatusNotAffected, f.Reason
			default:
				st.Status, st.Justification, st.ImpactStatement = vex.StatusNotAffected, vex.VulnerableCodeNotPresent, f.Reason
			}
			doc.Statements = append(doc.Statements, st)
		}
	}
	for i := range doc.Statements {
		if err := doc.Statements[i].Validate(); err != nil {
			return fmt.Errorf("OpenVEX statement %s: %v", doc.Statements[i].Vulnerability.Name, err)
		}
	}
	body, err := json.Marshal(doc.Statements)
	if err != nil {
		return err
	}
	sum := sha256.Sum256(append([]byte(m.Time.UTC().Format(time.RFC3339)), body...))
	doc.ID = "https://openvex.dev/docs/public/vex-" + hex.EncodeToString(sum[:])
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetIndent("", "  ")
	if err := enc.Encode(&doc); err != nil {
		return err
	}
	_, err = w.Write(buf.Bytes())
	return err
}

func writeCycloneDXVEX(w io.Writer, reports []*Report, m Meta) error {
	bom := cdx.NewBOM()
	bom.SpecVersion = cdx.SpecVersion1_6
	bom.Metadata = &cdx.Metadata{Timestamp: m.Time.UTC().Format(time.RFC3339),
		Tools: &cdx.ToolsChoice{Components: &[]cdx.Component{{Type: cdx.ComponentTypeApplication, Name: m.Tool, Version: m.ToolVersion}}}}
	var comps []cdx.Component
	var vulns []cdx.Vulnerability
	seen := map[string]bool{}
	for i, r := range reports {
		art := cdx.Component{BOMRef: fmt.Sprintf("artifact-%d", i+1), Type: cdx.ComponentTypeApplication, Name: r.Subject, PackageURL: productID(r)}
		if !strings.HasPrefix(art.PackageURL, "pkg:") {
			art.PackageURL = ""
		}
		var hashes []cdx.Hash
		for _, alg := range sortedDigestKeys(r.Digest) {
			switch alg {
			case "sha256":
				hashes = append(hashes, cdx.Hash{Algorithm: cdx.HashAlgoSHA256, Value: r.Digest[alg]})
			case "sha512":
				hashes = append(hashes, cdx.Hash{Algorithm: cdx.HashAlgoSHA512, Value: r.Digest[alg]})
			}
		}
		if len(hashes) > 0 {
			art.Hashes = &hashes
		}
		if len(reports) == 1 {
			bom.Metadata.Component = &art
		} else {
			comps = append(comps, art)
		}
		for _, f := range vexFindings(r) {
			ref := f.PURL
			if ref == "" {
				ref = "pkg:cargo/" + f.Crate + "@" + f.Version
			}
			if !seen[ref] {
				seen[ref] = true
				comps = append(comps, cdx.Component{BOMRef: ref, Type: cdx.ComponentTypeLibrary, Name: f.Crate, Version: f.Version, PackageURL: ref,
					Properties: &[]cdx.Property{{Name: "ferroseal:audit:scope", Value: f.Scope}, {Name: "ferroseal:audit:in", Value: art.BOMRef}}})
			}
			v := cdx.Vulnerability{BOMRef: fmt.Sprintf("%s/%s/%s", art.BOMRef, f.Advisory.ID, ref), ID: f.Advisory.ID,
				Source: &cdx.Source{Name: "RustSec", URL: advisoryURL(f.Advisory)}, Description: f.Advisory.Title,
				Recommendation: "Update " + f.Crate + " to a patched version (" + patchedText(f.Advisory) + ")",
				Affects:        &[]cdx.Affects{{Ref: ref}}}
			if f.Advisory.Date != "" {
				v.Published = f.Advisory.Date + "T00:00:00Z"
			}
			var refs []cdx.VulnerabilityReference
			for _, al := range f.Advisory.Aliases {
				refs = append(refs, cdx.VulnerabilityReference{ID: al, Source: &cdx.Source{Name: aliasSource(al)}})
			}
			if len(refs) > 0 {
				v.References = &refs
			}
			if f.Advisory.CVSS != "" {
				rating := cdx.VulnerabilityRating{Vector: f.Advisory.CVSS, Method: cdx.ScoringMethodOther}
				switch {
				case strings.HasPrefix(f.Advisory.CVSS, "CVSS:3.1/"):
					rating.Method = cdx.ScoringMethodCVSSv31
				case strings.HasPrefix(f.Advisory.CVSS, "CVSS:3.0/"):
					rating.Method = cdx.ScoringMethodCVSSv3
				case strings.HasPrefix(f.Advisory.CVSS, "CVSS:4.0/"):
					rating.Method = cdx.ScoringMethodCVSSv4
				}
				if s, ok := cvssSeverity(f.Advisory.CVSS); ok {
					level, score, _ := strings.Cut(s, " ")
					rating.Severity = cdx.Severity(level)
					if n, err := strconv.ParseFloat(score, 64); err == nil {
						rating.Score = &n
					}
				}
				v.Ratings = &[]cdx.VulnerabilityRating{rating}
			}
			an := &cdx.VulnerabilityAnalysis{}
			switch {
			case f.Status == Fixed:
				an.State, an.Detail = cdx.IASResolved, f.Crate+" "+f.Version+" has the fix"
			case f.Status == Affected && f.Scope == "build":
				an.State, an.Justification = cdx.IASNotAffected, cdx.IAJCodeNotPresent
				an.Detail = f.Crate + " ran on the build machine only (a build script's or proc-macro's dependency): it is not in the artifact"
			case f.Status == Affected:
				an.State, an.Detail = cdx.IASExploitable, "an affected version is in the artifact"
			case f.Ignored:
				an.State, an.Detail = cdx.IASNotAffected, f.Reason
			default:
				an.State, an.Justification, an.Detail = cdx.IASNotAffected, cdx.IAJCodeNotPresent, f.Reason
			}
			v.Analysis = an
			vulns = append(vulns, v)
		}
	}
	if len(comps) > 0 {
		bom.Components = &comps
	}
	bom.Vulnerabilities = &vulns
	var buf bytes.Buffer
	enc := cdx.NewBOMEncoder(&buf, cdx.BOMFileFormatJSON)
	enc.SetPretty(true)
	if err := enc.EncodeVersion(bom, cdx.SpecVersion1_6); err != nil {
		return err
	}
	sum := sha256.Sum256(buf.Bytes())
	u := sum[:16]
	u[6], u[8] = u[6]&0x0f|0x50, u[8]&0x3f|0x80 // a name-based (v5-style) UUID from the content
	serial := fmt.Sprintf("urn:uuid:%x-%x-%x-%x-%x", u[0:4], u[4:6], u[6:8], u[8:10], u[10:16])
	out := bytes.Replace(buf.Bytes(), []byte(`"serialNumber": "`+bom.SerialNumber+`"`), []byte(`"serialNumber": "`+serial+`"`), 1)
	_, err := w.Write(out)
	return err
}

func aliasSource(id string) string {
	switch {
	case strings.HasPrefix(id, "CVE-"):
		return "NVD"
	case strings.HasPrefix(id, "GHSA-"):
		return "GitHub"
	}
	return "RustSec"
}

func sortedDigestKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// writeVulns writes the in-toto vulnerability scan predicate: the scanner, the database, and one result per
// vulnerability in the artifact (runtime crates, affected; not warnings), with severity and the crate in
// annotations.
func writeVulns(w io.Writer, reports []*Report, m Meta) error {
	type severity struct {
		Method string `json:"method"`
		Score  string `json:"score"`
	}
	type result struct {
		ID          string              `json:"id"`
		Severity    []severity          `json:"severity"`
		Annotations []map[string]string `json:"annotations,omitempty"`
	}
	results := []result{}
	for _, r := range reports {
		for _, f := range r.Vulnerabilities() {
			res := result{ID: f.Advisory.ID, Severity: []severity{}}
			if s, ok := cvssSeverity(f.Advisory.CVSS); ok {
				level, score, _ := strings.Cut(s, " ")
				res.Severity = append(res.Severity, severity{Method: "cvss_v3", Score: score}, severity{Method: "cvss_v3_rating", Score: level})
			} else if f.Advisory.CVSS != "" {
				res.Severity = append(res.Severity, severity{Method: "cvss_vector", Score: f.Advisory.CVSS})
			}
			ann := map[string]string{"crate": f.Crate, "version": f.Version, "purl": f.PURL, "patched": patchedText(f.Advisory)}
			if len(f.Advisory.Aliases) > 0 {
				ann["aliases"] = strings.Join(f.Advisory.Aliases, ",")
			}
			res.Annotations = []map[string]string{ann}
			results = append(results, res)
		}
	}
	updated := m.DatabaseUpdated
	if updated.IsZero() {
		updated = m.Time
	}
	at := m.Time.UTC().Format(time.RFC3339)
	pred := map[string]any{
		"scanner": map[string]any{
			"uri":     "https://github.com/ferroseal/ferroseal",
			"version": m.ToolVersion,
			"db": map[string]any{
				"uri":        "https://github.com/rustsec/advisory-db",
				"lastUpdate": updated.UTC().Format(time.RFC3339),
			},
			"result": results,
		},
		"metadata": map[string]any{"scanStartedOn": at, "scanFinishedOn": at},
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(pred)
}
