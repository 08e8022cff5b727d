package sbom

import (
	"path"
	"regexp"
	"strings"

	"github.com/github/go-spdx/v2/spdxexp"
)

var (
	// cargo's legacy license syntax separates alternatives with "/": "MIT/Apache-2.0".
	legacySlash = regexp.MustCompile(`\s*/\s*`)
	operators   = regexp.MustCompile(`(?i)\s+(or|and|with)\s+`)
	refUnsafe   = regexp.MustCompile(`[^A-Za-z0-9.-]+`)
)

// NormalizeLicense turns a license string as crates declare it into a valid SPDX license expression: the legacy
// "/" separator becomes OR, operators are upper-cased, identifiers take their canonical case. It reports false when
// the result is still not a valid expression.
func NormalizeLicense(raw string) (string, bool) {
	s := strings.TrimSpace(raw)
	if s == "" || strings.Contains(strings.ToLower(s), "ref-") {
		// A LicenseRef or DocumentRef declared by a crate is defined nowhere in our document: not usable as is.
		return "", false
	}
	s = legacySlash.ReplaceAllString(s, " OR ")
	s = operators.ReplaceAllStringFunc(s, func(m string) string { return " " + strings.ToUpper(strings.TrimSpace(m)) + " " })
	norm, invalid := spdxexp.ValidateAndNormalizeLicensesWithOptions([]string{s}, spdxexp.ValidateLicensesOptions{})
	if len(invalid) > 0 || len(norm) != 1 {
		return "", false
	}
	return norm[0], true
}

// IsLicenseID reports whether s is a single current SPDX license identifier (not an expression, not deprecated).
func IsLicenseID(s string) bool {
	ok, canonical := spdxexp.ActiveLicense(s)
	return ok && canonical == s
}

// CargoLicense turns a crate's `license` and `license-file` fields into an SPDX expression, and the LicenseRef the
// expression names when there is one. A valid `license` wins, as in cargo. A `license` that is not a valid
// expression, and a `license-file`, each become a LicenseRef unique to the crate; only the file's base name is
// recorded, never its path.
func CargoLicense(name, version, license, licenseFile string) (string, *LicenseRef) {
	if expr, ok := NormalizeLicense(license); ok {
		return expr, nil
	}
	who := name + " " + version
	if strings.TrimSpace(license) != "" {
		ref := LicenseRef{
			ID:   licenseRefID(name, version, ""),
			Name: strings.TrimSpace(license),
			Text: "The license field of crate " + who + ", which is not a valid SPDX expression: " + strings.TrimSpace(license),
		}
		return ref.ID, &ref
	}
	if licenseFile != "" {
		file := path.Base(strings.ReplaceAll(licenseFile, `\`, "/"))
		ref := LicenseRef{
			ID:   licenseRefID(name, version, file),
			Name: file,
			Text: "The license text is the file " + file + " of crate " + who + ".",
		}
		return ref.ID, &ref
	}
	return "", nil
}

func licenseRefID(parts ...string) string {
	var b strings.Builder
	b.WriteString("LicenseRef")
	for _, p := range parts {
		if p = strings.Trim(refUnsafe.ReplaceAllString(p, "-"), "-"); p != "" {
			b.WriteString("-" + p)
		}
	}
	return b.String()
}

var licenseRefPattern = regexp.MustCompile(`^LicenseRef-[A-Za-z0-9.-]+$`)

// IsLicenseRef reports whether s is a well-formed LicenseRef identifier.
func IsLicenseRef(s string) bool { return licenseRefPattern.MatchString(s) }

// LicenseRefID makes a LicenseRef identifier from a license's name.
func LicenseRefID(name string) string { return licenseRefID(name) }

// licenseRefUse finds the LicenseRefs an expression names.
var licenseRefUse = regexp.MustCompile(`LicenseRef-[A-Za-z0-9.-]+`)

// UndefinedLicenseText is the text of a LicenseRef that a document names without defining it, as a converted
// document defines it: SPDX requires a text, and none is invented.
const UndefinedLicenseText = "NOASSERTION: the document this one was read from names the license without its text."

// DefineLicenseRefs adds a LicenseRef for every one the components' expressions name that the document does not
// define, and gives a text and a name to those without one, so that every format can write the document.
func (d *Document) DefineLicenseRefs() {
	have := map[string]int{}
	for i := range d.LicenseRefs {
		r := &d.LicenseRefs[i]
		have[r.ID] = i
		if strings.TrimSpace(r.Text) == "" {
			r.Text = UndefinedLicenseText
		}
		if strings.TrimSpace(r.Name) == "" {
			r.Name = r.ID
		}
	}
	add := func(c *Component) {
		for _, id := range licenseRefUse.FindAllString(c.License, -1) {
			if _, ok := have[id]; !ok {
				have[id] = len(d.LicenseRefs)
				d.LicenseRefs = append(d.LicenseRefs, LicenseRef{ID: id, Name: id, Text: UndefinedLicenseText})
			}
		}
	}
	add(&d.Subject)
	for i := range d.Components {
		add(&d.Components[i])
	}
}
