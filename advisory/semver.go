package advisory

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a semantic version as cargo reads it: MAJOR.MINOR.PATCH, an optional pre-release and build metadata
// (which takes no part in comparisons).
type Version struct {
	Major, Minor, Patch uint64
	Pre                 []string
}

// ParseVersion reads a version as cargo writes it in Cargo.lock and crates' manifests.
func ParseVersion(s string) (Version, error) {
	var v Version
	rest, _, _ := strings.Cut(strings.TrimSpace(s), "+")
	core, pre, hasPre := strings.Cut(rest, "-")
	parts := strings.Split(core, ".")
	if len(parts) != 3 {
		return v, fmt.Errorf("version %q: want MAJOR.MINOR.PATCH", s)
	}
	nums := []*uint64{&v.Major, &v.Minor, &v.Patch}
	for i, p := range parts {
		n, err := number(p)
		if err != nil {
			return v, fmt.Errorf("version %q: %v", s, err)
		}
		*nums[i] = n
	}
	if hasPre {
		if pre == "" {
			return v, fmt.Errorf("version %q: empty pre-release", s)
		}
		v.Pre = strings.Split(pre, ".")
		for _, id := range v.Pre {
			if id == "" || strings.IndexFunc(id, func(r rune) bool { return !isIdentRune(r) }) >= 0 {
				return v, fmt.Errorf("version %q: bad pre-release identifier %q", s, id)
			}
		}
	}
	return v, nil
}

func isIdentRune(r rune) bool {
	return r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r == '-'
}

// number reads a numeric identifier: digits, no leading zero.
func number(s string) (uint64, error) {
	if s == "" || len(s) > 1 && s[0] == '0' || strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return 0, fmt.Errorf("%q is not a number", s)
	}
	return strconv.ParseUint(s, 10, 64)
}

func (v Version) String() string {
	s := fmt.Sprintf("%d.%d.%d", v.Major, v.Minor, v.Patch)
	if len(v.Pre) > 0 {
		s += "-" + strings.Join(v.Pre, ".")
	}
	return s
}

// Compare orders versions by semver precedence: -1, 0 or 1.
func (v Version) Compare(w Version) int {
	for _, p := range [][2]uint64{{v.Major, w.Major}, {v.Minor, w.Minor}, {v.Patch, w.Patch}} {
		if p[0] != p[1] {
			if p[0] < p[1] {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(v.Pre) == 0 && len(w.Pre) == 0:
		return 0
	case len(v.Pre) == 0:
		return 1 // a release follows its pre-releases
	case len(w.Pre) == 0:
		return -1
	}
	for i := 0; i < len(v.Pre) && i < len(w.Pre); i++ {
		a, b := v.Pre[i], w.Pre[i]
		an, aerr := number(a)
		bn, berr := number(b)
		switch {
		case aerr == nil && berr == nil:
			if an != bn {
				if an < bn {
					return -1
				}
				return 1
			}
		case aerr == nil:
			return -1 // numeric identifiers sort before alphanumeric ones
		case berr == nil:
			return 1
		case a != b:
			if a < b {
				return -1
			}
			return 1
		}
	}
	switch {
	case len(v.Pre) < len(w.Pre):
		return -1
	case len(v.Pre) > len(w.Pre):
		return 1
	}
	return 0
}

// Req is a version requirement as cargo and the advisory database write it: comparators joined by commas, all of
// which must hold (">= 0.11.6, < 0.12.0"; "^1.2", "~1.2.3", "=1.0.0", "1.*", "*").
type Req struct {
	raw  string
	cmps []comparator
}

type comparator struct {
	op  string // "=", ">", ">=", "<", "<="
	ver Version
}

func (r Req) String() string { return r.raw }

// ParseReq reads a requirement. Bare versions mean what cargo makes of them: caret requirements.
func ParseReq(s string) (Req, error) {
	r := Req{raw: strings.TrimSpace(s)}
	if r.raw == "" {
		return r, fmt.Errorf("empty version requirement")
	}
	for _, part := range strings.Split(r.raw, ",") {
		cmps, err := parseComparator(strings.TrimSpace(part))
		if err != nil {
			return r, fmt.Errorf("version requirement %q: %v", s, err)
		}
		r.cmps = append(r.cmps, cmps...)
	}
	return r, nil
}

// parseComparator turns one comparator into bounds: a caret, tilde or wildcard requirement becomes a range.
func parseComparator(s string) ([]comparator, error) {
	op := ""
	for _, o := range []string{">=", "<=", ">", "<", "=", "^", "~"} {
		if strings.HasPrefix(s, o) {
			op, s = o, strings.TrimSpace(s[len(o):])
			break
		}
	}
	if s == "*" && op == "" {
		return nil, nil // any version
	}
	core, pre, hasPre := strings.Cut(s, "-")
	parts := strings.Split(core, ".")
	if len(parts) == 0 || len(parts) > 3 {
		return nil, fmt.Errorf("%q is not a version", s)
	}
	var nums [3]uint64
	given := 0
	for i, p := range parts {
		if p == "*" || p == "x" || p == "X" {
			if i == 0 || op != "" && op != "=" || i != len(parts)-1 {
				return nil, fmt.Errorf("%q: a wildcard is the last part, after MAJOR", s)
			}
			op = "=" // 1.2.* is =1.2
			break
		}
		n, err := number(p)
		if err != nil {
			return nil, err
		}
		nums[i] = n
		given++
	}
	if given < len(parts) && hasPre {
		return nil, fmt.Errorf("%q: a pre-release needs a full version", s)
	}
	v := Version{Major: nums[0], Minor: nums[1], Patch: nums[2]}
	if hasPre {
		full, err := ParseVersion(core + "-" + pre)
		if err != nil {
			return nil, err
		}
		v.Pre = full.Pre
	}
	upper := func(level int) Version { // the first version past the given level
		switch level {
		case 0:
			return Version{Major: v.Major + 1}
		case 1:
			return Version{Major: v.Major, Minor: v.Minor + 1}
		}
		return Version{Major: v.Major, Minor: v.Minor, Patch: v.Patch + 1}
	}
	lowest := Version{Major: v.Major, Minor: v.Minor, Patch: v.Patch, Pre: v.Pre}
	switch op {
	case ">", ">=", "<", "<=":
		if given < 3 {
			// >1.2 means >=1.3.0; <=1.2 means <1.3.0; >=1.2 and <1.2 take 1.2.0.
			switch op {
			case ">":
				return []comparator{{">=", upper(given - 1)}}, nil
			case "<=":
				return []comparator{{"<", upper(given - 1)}}, nil
			}
		}
		return []comparator{{op, lowest}}, nil
	case "=":
		if given == 3 {
			return []comparator{{"=", lowest}}, nil
		}
		return []comparator{{">=", lowest}, {"<", upper(given - 1)}}, nil
	case "~":
		level := min(given-1, 1)
		return []comparator{{">=", lowest}, {"<", upper(level)}}, nil
	}
	// caret (or bare): the left-most non-zero part given may not change; when all are zero, the last given.
	level := given - 1
	for i := 0; i < given; i++ {
		if nums[i] > 0 {
			level = i
			break
		}
	}
	return []comparator{{">=", lowest}, {"<", upper(level)}}, nil
}

// Matches reports whether the version satisfies every comparator, by semver precedence. Unlike cargo's dependency
// resolution, a pre-release is compared like any version (an advisory's "patched >= 1.2.0" covers 1.3.0-rc.1):
// for advisories, whether a version is affected is a question of order, not of opting in to pre-releases.
func (r Req) Matches(v Version) bool {
	for _, c := range r.cmps {
		d := v.Compare(c.ver)
		ok := false
		switch c.op {
		case "=":
			ok = d == 0
		case ">":
			ok = d > 0
		case ">=":
			ok = d >= 0
		case "<":
			ok = d < 0
		case "<=":
			ok = d <= 0
		}
		if !ok {
			return false
		}
	}
	return true
}
