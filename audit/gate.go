package audit

import (
	"slices"
	"strings"
	"time"

	"github.com/openvex/go-vex/pkg/vex"

	"github.com/ferroseal/ferroseal/advisory"
)

// Unwaived returns the vulnerabilities of a report that the VEX documents do not waive. The statements that count
// for a vulnerability are those about its advisory (by id or alias) and about this artifact (a product with one
// of the digests, as a hash or as the checksum of its purl; when the statement names subcomponents, the crate's
// purl among them); of those, the latest (its own timestamp, else its document's) decides, as OpenVEX orders
// statements: not_affected or fixed waives it. Statements of the latest time that disagree waive nothing. The
// documents must come from attestations verified for the artifact: this function trusts what it is given.
//
// digests are the SHA-256 digests a statement's product may have: the artifact's, and for a platform of a
// verified image index, that platform's manifest.
func Unwaived(r *advisory.Report, docs []*vex.VEX, digests ...string) []advisory.Finding {
	var out []advisory.Finding
	for _, f := range r.Vulnerabilities() {
		var latest time.Time
		var statuses []vex.Status
		for _, doc := range docs {
			for i := range doc.Statements {
				st := &doc.Statements[i]
				if !aboutAdvisory(st, f.Advisory) || !slices.ContainsFunc(digests, func(d string) bool { return d != "" && aboutArtifact(st, d, f.PURL) }) {
					continue
				}
				var at time.Time
				switch {
				case st.Timestamp != nil:
					at = *st.Timestamp
				case doc.Timestamp != nil:
					at = *doc.Timestamp
				}
				switch {
				case statuses == nil || at.After(latest):
					latest, statuses = at, []vex.Status{st.Status}
				case at.Equal(latest):
					statuses = append(statuses, st.Status)
				}
			}
		}
		waived := len(statuses) > 0
		for _, s := range statuses {
			if s != vex.StatusNotAffected && s != vex.StatusFixed {
				waived = false
			}
		}
		if !waived {
			out = append(out, f)
		}
	}
	return out
}

func aboutAdvisory(st *vex.Statement, a *advisory.Advisory) bool {
	ids := append([]string{a.ID}, a.Aliases...)
	for _, id := range ids {
		if string(st.Vulnerability.Name) == id {
			return true
		}
		for _, al := range st.Vulnerability.Aliases {
			if string(al) == id {
				return true
			}
		}
	}
	return false
}

func aboutArtifact(st *vex.Statement, sha256, purl string) bool {
	for _, p := range st.Products {
		h := strings.ToLower(string(p.Hashes[vex.SHA256]))
		if h != sha256 && !strings.HasSuffix(p.ID, "checksum=sha256:"+sha256) && !strings.Contains(p.ID, "checksum=sha256:"+sha256+"&") {
			continue
		}
		if len(p.Subcomponents) == 0 {
			return true
		}
		for _, sc := range p.Subcomponents {
			if purl != "" && (sc.ID == purl || sc.Identifiers[vex.PURL] == purl) {
				return true
			}
		}
	}
	return false
}
