package advisory

import (
	"encoding/json"
	"io"
	"net/url"
	"strings"
)

// SARIF 2.1.0, the part code scanning reads: one run, a rule per advisory, a result per finding at the artifact
// (or lockfile, or SBOM) audited. Findings that do not apply are results with an external suppression and its
// justification, so that the decision stays visible.
type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool    sarifTool     `json:"tool"`
	Results []sarifResult `json:"results"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
}

type sarifRule struct {
	ID               string         `json:"id"`
	Name             string         `json:"name,omitempty"`
	ShortDescription sarifText      `json:"shortDescription"`
	HelpURI          string         `json:"helpUri,omitempty"`
	Properties       map[string]any `json:"properties,omitempty"`
}

type sarifText struct {
	Text string `json:"text"`
}

type sarifResult struct {
	RuleID       string             `json:"ruleId"`
	RuleIndex    int                `json:"ruleIndex"`
	Level        string             `json:"level"`
	Message      sarifText          `json:"message"`
	Locations    []sarifLocation    `json:"locations"`
	Suppressions []sarifSuppression `json:"suppressions,omitempty"`
	Properties   map[string]any     `json:"properties,omitempty"`
}

type sarifLocation struct {
	PhysicalLocation struct {
		ArtifactLocation struct {
			URI string `json:"uri"`
		} `json:"artifactLocation"`
		Region struct {
			StartLine int `json:"startLine"`
		} `json:"region"`
	} `json:"physicalLocation"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Justification string `json:"justification,omitempty"`
}

func writeSARIF(w io.Writer, reports []*Report, m Meta) error {
	run := sarifRun{Tool: sarifTool{Driver: sarifDriver{Name: m.Tool, Version: m.ToolVersion, InformationURI: "https://github.com/ferroseal/ferroseal"}}}
	run.Results = []sarifResult{}
	run.Tool.Driver.Rules = []sarifRule{}
	index := map[string]int{}
	for _, r := range reports {
		for _, f := range r.Findings {
			if f.Status == Fixed {
				continue
			}
			a := f.Advisory
			i, ok := index[a.ID]
			if !ok {
				i = len(run.Tool.Driver.Rules)
				index[a.ID] = i
				rule := sarifRule{ID: a.ID, Name: strings.ReplaceAll(a.Package, "-", "_"), ShortDescription: sarifText{Text: firstNonEmpty(a.Title, a.ID)},
					HelpURI: advisoryURL(a), Properties: map[string]any{"tags": []string{"security", "rust", kind(&f)}}}
				if s, ok := cvssSeverity(a.CVSS); ok {
					_, score, _ := strings.Cut(s, " ")
					rule.Properties["security-severity"] = score
				}
				run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, rule)
			}
			level := "error"
			switch {
			case f.Warning():
				level = "warning"
			case f.Scope == "build":
				level = "note"
			}
			res := sarifResult{RuleID: a.ID, RuleIndex: i, Level: level,
				Message:    sarifText{Text: f.Crate + " " + f.Version + " (" + f.Scope + "): " + firstNonEmpty(a.Title, a.ID) + "; patched: " + patchedText(a)},
				Properties: map[string]any{"crate": f.Crate, "version": f.Version, "scope": f.Scope, "status": string(f.Status)}}
			var loc sarifLocation
			loc.PhysicalLocation.ArtifactLocation.URI = firstNonEmpty(filepathToURI(r.Path), r.Subject)
			loc.PhysicalLocation.Region.StartLine = 1
			res.Locations = []sarifLocation{loc}
			if f.Status == NotAffected {
				res.Suppressions = []sarifSuppression{{Kind: "external", Justification: f.Reason}}
			}
			run.Results = append(run.Results, res)
		}
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(sarifLog{Schema: "https://json.schemastore.org/sarif-2.1.0.json", Version: "2.1.0", Runs: []sarifRun{run}})
}

// filepathToURI makes a relative URI reference of a path as given.
func filepathToURI(p string) string {
	return (&url.URL{Path: strings.ReplaceAll(p, "\\", "/")}).String()
}
