package advisory

import (
	"fmt"
	"math"
	"strings"
)

// cvssSeverity computes the base score and its qualitative rating ("critical", "high", "medium", "low", "none") of
// a CVSS 3.0 or 3.1 vector, as the specification defines them. CVSS 4.0 vectors (scored from lookup tables) and
// malformed vectors give false: the vector is then shown as it is.
func cvssSeverity(vector string) (string, bool) {
	rest, ok := strings.CutPrefix(vector, "CVSS:3.1/")
	if !ok {
		if rest, ok = strings.CutPrefix(vector, "CVSS:3.0/"); !ok {
			return "", false
		}
	}
	m := map[string]string{}
	for _, part := range strings.Split(rest, "/") {
		k, v, ok := strings.Cut(part, ":")
		if !ok {
			return "", false
		}
		m[k] = v
	}
	weights := map[string]map[string]float64{
		"AV": {"N": 0.85, "A": 0.62, "L": 0.55, "P": 0.2},
		"AC": {"L": 0.77, "H": 0.44},
		"UI": {"N": 0.85, "R": 0.62},
		"C":  {"H": 0.56, "L": 0.22, "N": 0},
		"I":  {"H": 0.56, "L": 0.22, "N": 0},
		"A":  {"H": 0.56, "L": 0.22, "N": 0},
	}
	scope := m["S"]
	if scope != "U" && scope != "C" {
		return "", false
	}
	pr := map[string]float64{"N": 0.85, "L": 0.62, "H": 0.27}
	if scope == "C" {
		pr["L"], pr["H"] = 0.68, 0.5
	}
	weights["PR"] = pr
	w := map[string]float64{}
	for metric, table := range weights {
		v, ok := table[m[metric]]
		if !ok {
			return "", false
		}
		w[metric] = v
	}
	iss := 1 - (1-w["C"])*(1-w["I"])*(1-w["A"])
	impact := 6.42 * iss
	if scope == "C" {
		impact = 7.52*(iss-0.029) - 3.25*math.Pow(iss-0.02, 15)
	}
	exploitability := 8.22 * w["AV"] * w["AC"] * w["PR"] * w["UI"]
	score := 0.0
	if impact > 0 {
		if scope == "U" {
			score = roundUp(math.Min(impact+exploitability, 10))
		} else {
			score = roundUp(math.Min(1.08*(impact+exploitability), 10))
		}
	}
	rating := "none"
	switch {
	case score >= 9:
		rating = "critical"
	case score >= 7:
		rating = "high"
	case score >= 4:
		rating = "medium"
	case score > 0:
		rating = "low"
	}
	return fmt.Sprintf("%s %.1f", rating, score), true
}

// roundUp is CVSS 3.1's Roundup: the smallest number with one decimal that is at least x, free of floating-point
// noise.
func roundUp(x float64) float64 {
	i := int64(math.Round(x * 100000))
	if i%10000 == 0 {
		return float64(i) / 100000
	}
	return float64(i/10000+1) / 10
}
