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
