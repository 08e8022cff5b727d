package audit

import (
	"strings"

	"github.com/openvex/go-vex/pkg/vex"

	"github.com/ferroseal/ferroseal/advisory"
)

// Unwaived returns the vulnerabilities of a report that the VEX documents do not waive. A vulnerability is waived
// when a statement about its advisory (by id or alias) and about this artifact (a product with the artifact's
// SHA-256, as a hash or as the checksum of its purl; when the statement names subcomponents, the crate's purl among
// them) says not_affected or fixed, and no such statement says affected or under_investigation. The documents
// must come from attestations verified for the artifact: this function trusts what it is given.
func Unwaived(r *advisory.Report, docs []*vex.VEX, sha256 string) []advisory.Finding {
	var out []advisory.Finding
	for _, f := range r.Vulnerabilities() {
		waived, blocked := false, false
		for _, doc := range docs {
			for i := range doc.Statements {
				st := &doc.Statements[i]
				if !aboutAdvisory(st, f.Advisory) || !aboutArtifact(st, sha256, f.PURL) {
					continue
				}
				switch st.Status {
				case vex.StatusNotAffected, vex.StatusFixed:
					waived = true
				default:
					blocked = true
				}
			}
		}
		if !waived || blocked {
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
