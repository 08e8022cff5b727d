// Package conformance checks an SBOM of any tool, CycloneDX (JSON or XML) or SPDX (2 or 3), against a profile's
// required fields: BSI TR-03183-2 v2.1.0 ("bsi-tr-03183-2") or the NTIA minimum elements ("ntia-minimum"). It
// lists every missing or malformed field, per component, as the format's mapping of the profile names it. The
// mappings are in docs/bsi.md.
package conformance

import (
	"cmp"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// Profiles are the profiles Check knows.
var Profiles = []string{"bsi-tr-03183-2", "ntia-minimum"}

// Finding is one missing or malformed field.
type Finding struct {
	// Component is the component's identifier in the document (bom-ref, SPDX ID), or "" for the document itself.
	Component string `json:"component,omitempty"`
	// Name is the component's name and version, for people.
	Name string `json:"name,omitempty"`
	// Field is the profile's name of the field.
	Field string `json:"field"`
	// Problem says what is wrong, and where the format keeps the field.
	Problem string `json:"problem"`
}

// Report is the result of a check.
type Report struct {
	Profile string `json:"profile"`
	// Format is the document's format and version ("CycloneDX 1.7", "SPDX 3.0.1").
	Format     string    `json:"format"`
	Components int       `json:"components"`
	Conformant bool      `json:"conformant"`
	Findings   []Finding `json:"findings"`
	// Summary counts the findings per field, in the profile's order of fields.
	Summary []FieldCount `json:"summary"`
}

// FieldCount is how many findings name one field.
type FieldCount struct {
	Field string `json:"field"`
	Count int    `json:"count"`
}

// ErrUnknownProfile is returned for a profile that is not one of Profiles.
var ErrUnknownProfile = fmt.Errorf("unknown profile (want one of %s)", strings.Join(Profiles, ", "))

// Check reads an SBOM and checks it against a profile.
func Check(data []byte, profile string) (*Report, error) {
	rules, ok := profiles[profile]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrUnknownProfile, profile)
	}
	v, err := view(data)
	if err != nil {
		return nil, err
	}
	r := &Report{Profile: profile, Format: v.format + " " + v.version, Components: len(v.components)}
	for _, rule := range rules.document {
		if problem := rule.check(v); problem != "" {
			r.Findings = append(r.Findings, Finding{Field: rule.field, Problem: problem})
		}
	}
	for i := range v.components {
		c := &v.components[i]
		for _, rule := range rules.component {
			if problem := rule.check(v, c, i == 0); problem != "" {
				r.Findings = append(r.Findings, Finding{Component: c.id, Name: strings.TrimSpace(c.name + " " + c.version),
					Field: rule.field, Problem: problem})
			}
		}
	}
	counts := map[string]int{}
	for _, f := range r.Findings {
		counts[f.Field]++
	}
	var order []string
	for _, rule := range rules.document {
		order = append(order, rule.field)
	}
	for _, rule := range rules.component {
		order = append(order, rule.field)
	}
	for _, field := range slices.Compact(order) {
		if n := counts[field]; n > 0 {
			r.Summary = append(r.Summary, FieldCount{Field: field, Count: n})
		}
	}
	r.Conformant = len(r.Findings) == 0
	if r.Findings == nil {
		r.Findings = []Finding{}
	}
	return r, nil
}

type docRule struct {
	field string
	check func(v *docView) string
}

type compRule struct {
	field string
	check func(v *docView, c *compView, primary bool) string
}

type ruleSet struct {
	document  []docRule
	component []compRule
}

var profiles = map[string]ruleSet{
	"bsi-tr-03183-2": {
		document: []docRule{
			{"format", func(v *docView) string {
				switch v.format {
				case "CycloneDX":
					if versionLess(v.version, "1.6") {
						return "CycloneDX " + v.version + ": the guideline requires CycloneDX 1.6 or later"
					}
				case "SPDX":
					if versionLess(v.version, "3.0.1") {
						return "SPDX " + v.version + ": the guideline requires SPDX 3.0.1 or later"
					}
				}
				return ""
			}},
			{"creator of the SBOM", func(v *docView) string {
				return missing(v.creatorContact, v, "an e-mail address or URL of the SBOM's creator",
					"metadata.manufacturer (url, or contact with email)", "CreationInfo.createdBy (a Person or Organization with an email identifier or a web page)")
			}},
			{"timestamp", func(v *docView) string {
				return missing(v.timestamp, v, "the creation time (RFC 3339)", "metadata.timestamp", "CreationInfo.created")
			}},
			{"SBOM-URI", func(v *docView) string {
				return missing(v.uri, v, "the SBOM's URI", "serialNumber (urn:uuid:...)", "the spdxId of the Sbom")
			}},
			{"no vulnerabilities", func(v *docView) string {
				if v.vulnerabilities > 0 {
					return strconv.Itoa(v.vulnerabilities) + " vulnerabilities: the guideline forbids vulnerability information in the SBOM (use a CSAF or VEX document)"
				}
				return ""
			}},
		},
		component: []compRule{
			{"component creator", func(v *docView, c *compView, _ bool) string {
				return missing(c.creatorContact, v, "an e-mail address or URL of the component's creator",
					"manufacturer (url, or contact with email)", "originatedBy (an Agent with an email identifier or a web page)")
			}},
			{"component name", func(v *docView, c *compView, _ bool) string {
				return missing(strings.TrimSpace(c.name) != "", v, "the name", "name", "name")
			}},
			{"component version", func(v *docView, c *compView, _ bool) string {
				return missing(strings.TrimSpace(c.version) != "", v, "the version", "version", "software_packageVersion")
			}},
			{"filename", func(v *docView, c *compView, _ bool) string {
				return missing(c.filename, v, "the file name of the deployable component", "property bsi:component:filename",
					"a software_File, name, related by hasDistributionArtifact")
			}},
			{"dependencies", func(v *docView, c *compView, primary bool) string {
				if !c.related {
					return missing(false, v, "a dependency relationship naming it", "dependencies", "a dependsOn or contains relationship")
				}
				return missing(c.completeness, v, "the completeness of its dependencies",
					"a composition listing it (assemblies or dependencies)", "completeness on its dependsOn or contains relationship")
			}},
			{"distribution licences", func(v *docView, c *compView, _ bool) string {
				return missing(c.concluded, v, "its distribution licence", "licenses with acknowledgement concluded", "a hasConcludedLicense relationship")
			}},
			{"original licences", func(v *docView, c *compView, _ bool) string {
				return missing(c.declared, v, "its original licence", "licenses with acknowledgement declared", "a hasDeclaredLicense relationship")
			}},
			{"hash of the deployable component", func(v *docView, c *compView, _ bool) string {
				return missing(c.deployableSHA512, v, "the SHA-512 of its deployable form",
					"externalReferences of type distribution, hashes SHA-512", "verifiedUsing sha512 of its software_File")
			}},
			{"executable property", func(v *docView, c *compView, _ bool) string {
				return oneOf(c.executable, v, "bsi:component:executable", "executable", "non-executable")
			}},
			{"archive property", func(v *docView, c *compView, _ bool) string {
				return oneOf(c.archive, v, "bsi:component:archive", "archive", "no archive")
			}},
			{"structured property", func(v *docView, c *compView, _ bool) string {
				return oneOf(c.structured, v, "bsi:component:structured", "structured", "unstructured")
			}},
			{"source code URI", func(v *docView, c *compView, _ bool) string {
				return missing(c.sourceURI, v, "where its source code is", "externalReferences of type source-distribution",
					"an externalRef of type sourceArtifact")
			}},
			{"URI of the deployable form", func(v *docView, c *compView, _ bool) string {
				return missing(c.deployURI, v, "where its deployable form is", "externalReferences of type distribution",
					"an externalRef of type binaryArtifact of its software_File")
			}},
			{"other unique identifiers", func(v *docView, c *compView, _ bool) string {
				return missing(c.identifier, v, "a purl, CPE or SWID tag", "purl, cpe or swid", "a packageUrl, cpe22, cpe23 or swid externalIdentifier")
			}},
		},
	},
	"ntia-minimum": {
		document: []docRule{
			{"author of SBOM data", func(v *docView) string {
				return missing(v.author, v, "who made the SBOM data", "metadata.authors, manufacturer, supplier or tools", "CreationInfo.createdBy or createdUsing")
			}},
			{"timestamp", func(v *docView) string {
				return missing(v.timestamp, v, "the creation time", "metadata.timestamp", "CreationInfo.created")
			}},
		},
		component: []compRule{
			{"supplier name", func(v *docView, c *compView, _ bool) string {
				return missing(c.supplier, v, "the component's supplier", "supplier, manufacturer, authors, author or publisher",
					"suppliedBy or originatedBy")
			}},
			{"component name", func(v *docView, c *compView, _ bool) string {
				return missing(strings.TrimSpace(c.name) != "", v, "the name", "name", "name")
			}},
			{"version", func(v *docView, c *compView, _ bool) string {
				return missing(strings.TrimSpace(c.version) != "", v, "the version", "version", "software_packageVersion")
			}},
			{"other unique identifiers", func(v *docView, c *compView, _ bool) string {
				return missing(c.identifier, v, "a purl, CPE or SWID tag", "purl, cpe or swid", "a packageUrl, cpe22, cpe23 or swid externalIdentifier")
			}},
			{"dependency relationship", func(v *docView, c *compView, _ bool) string {
				return missing(c.related, v, "a dependency relationship naming it", "dependencies", "a dependsOn or contains relationship")
			}},
		},
	},
}

// missing is "" when ok, else says what is missing and where the document's format keeps it.
func missing(ok bool, v *docView, what, cdxField, spdx3Field string) string {
	if ok {
		return ""
	}
	where := cdxField
	if v.format == "SPDX" {
		where = spdx3Field
		if versionLess(v.version, "3") {
			where = "the SPDX 2 equivalent of " + spdx3Field
		}
	}
	return "missing " + what + " (" + where + ")"
}

// oneOf checks a stated property value.
func oneOf(value string, v *docView, property string, allowed ...string) string {
	switch {
	case value == "stated":
		return ""
	case value == "":
		if v.format == "SPDX" {
			return "missing (the purposes of a software_File related by hasDistributionArtifact)"
		}
		return "missing (property " + property + ": " + strings.Join(allowed, " or ") + ")"
	case !slices.Contains(allowed, value):
		return fmt.Sprintf("%s is %q, not %s", property, value, strings.Join(allowed, " or "))
	}
	return ""
}

// versionLess compares dotted version numbers.
func versionLess(a, b string) bool {
	pa, pb := strings.Split(a, "."), strings.Split(b, ".")
	for i := range max(len(pa), len(pb)) {
		var x, y int
		if i < len(pa) {
			x, _ = strconv.Atoi(pa[i])
		}
		if i < len(pb) {
			y, _ = strconv.Atoi(pb[i])
		}
		if c := cmp.Compare(x, y); c != 0 {
			return c < 0
		}
	}
	return false
}
