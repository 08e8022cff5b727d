package sbom

import (
	"regexp"
	"strings"

	"github.com/package-url/packageurl-go"
)

// PURL returns the package URL of a crate (purl type "cargo"), or "" when the crate has no public identity that a
// purl could name without colliding with another crate:
//
//   - crates.io: pkg:cargo/NAME@VERSION
//   - another registry whose index URL is known: pkg:cargo/NAME@VERSION?repository_url=URL
//   - a git repository whose URL is known: pkg:cargo/NAME@VERSION?vcs_url=git%2BURL%40COMMIT
//   - a local crate, or a registry or repository whose URL is not known: none. A bare pkg:cargo/NAME@VERSION would
//     claim the crates.io crate of that name, a known source of false vulnerability matches.
func PURL(name, version string, src Source) string {
	var q packageurl.Qualifiers
	switch src.Kind {
	case SourceCratesIO:
	case SourceRegistry:
		if src.URL == "" {
			return ""
		}
		q = packageurl.QualifiersFromMap(map[string]string{"repository_url": src.URL})
	case SourceGit:
		if src.URL == "" {
			return ""
		}
		vcs := "git+" + src.URL
		if src.Rev != "" {
			vcs += "@" + src.Rev
		}
		q = packageurl.QualifiersFromMap(map[string]string{"vcs_url": vcs})
	default:
		return ""
	}
	if name == "" {
		return ""
	}
	return packageurl.NewPackageURL(packageurl.TypeCargo, "", name, version, q, "").ToString()
}

// ArtifactPURL is the package URL of a file ferroseal describes (a binary, a release archive): a generic package of
// its name and version, identified by its content, pkg:generic/NAME@VERSION?checksum=sha256:HEX. Every document of
// the same file (CycloneDX, SPDX, the provenance's subject digest) names it alike, and it claims no ecosystem's
// identity. "" without a SHA-256.
func ArtifactPURL(name, version, sha256 string) string {
	if name == "" || sha256 == "" {
		return ""
	}
	q := packageurl.QualifiersFromMap(map[string]string{"checksum": "sha256:" + sha256})
	return packageurl.NewPackageURL("generic", "", name, version, q, "").ToString()
}

// LocalPURL is the package URL of a local crate (a workspace member, a path dependency): a generic package of its
// name and version, with its repository (as its Cargo.toml declares it) as vcs_url when that is a URL. Never
// pkg:cargo: that would claim the crates.io crate of the same name.
func LocalPURL(name, version, repository string) string {
	if name == "" || version == "" {
		return ""
	}
	var q packageurl.Qualifiers
	if vcsScheme.MatchString(repository) {
		q = packageurl.QualifiersFromMap(map[string]string{"vcs_url": "git+" + repository})
	}
	return packageurl.NewPackageURL("generic", "", name, version, q, "").ToString()
}

var vcsScheme = regexp.MustCompile(`^(https?|ssh|git)://[^\s]+$`)

// CrateRef returns the stable reference of a crate within a document: its package URL when it has one, otherwise
// the source kind followed by NAME@VERSION ("local:app@0.1.0", "git:foo@1.0.0", "registry:sparse/foo@1.0.0").
func CrateRef(name, version string, src Source) string {
	if p := PURL(name, version, src); p != "" {
		return p
	}
	id := name + "@" + version
	switch src.Kind {
	case SourcePath:
		return "local:" + id
	case SourceGit:
		return "git:" + id
	case SourceRegistry:
		if src.Label != "" {
			return "registry:" + sanitizeRefPart(src.Label) + "/" + id
		}
		return "registry:" + id
	default:
		return "crate:" + id
	}
}

func sanitizeRefPart(s string) string {
	return strings.Map(func(r rune) rune {
		if r == '/' || r == ' ' || r < 0x20 {
			return '_'
		}
		return r
	}, s)
}

// SourceFromPURL recovers a crate's source from its package URL, as [PURL] writes it: crates.io without
// qualifiers, git with vcs_url (git+URL@COMMIT), another registry with repository_url, a local crate with a file:
// download_url (as some tools write it), and unknown for anything else, an empty purl included.
func SourceFromPURL(purl string) Source {
	if purl == "" {
		return Source{}
	}
	p, err := packageurl.FromString(purl)
	if err != nil || p.Type != packageurl.TypeCargo {
		return Source{}
	}
	q := p.Qualifiers.Map()
	switch {
	case q["vcs_url"] != "":
		u := strings.TrimPrefix(q["vcs_url"], "git+")
		src := Source{Kind: SourceGit, URL: u}
		if i := strings.LastIndexByte(u, '@'); i > strings.Index(u, "://")+2 {
			src.URL, src.Rev = u[:i], u[i+1:]
		}
		return src
	case q["repository_url"] != "":
		return Source{Kind: SourceRegistry, URL: q["repository_url"]}
	case strings.HasPrefix(q["download_url"], "file:"):
		return Source{Kind: SourcePath}
	}
	return Source{Kind: SourceCratesIO}
}
