// Package advisory reads the RustSec advisory database (its own format, or the OSV export of it) and matches the
// crates of an SBOM against it: crates.io crates by name and semver, with the artifact's target (operating system
// and architecture) taken into account. It never reaches the network; Fetch does, when asked.
package advisory

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"

	"github.com/ferroseal/ferroseal/internal/safetext"
)

// Limits on what a database may hold: advisories are small text files.
const (
	maxAdvisoryFile = 1 << 20
	maxAdvisories   = 200_000
	maxDatabase     = 1 << 30
)

// ErrNoDatabase: the directory holds no advisories in either form.
var ErrNoDatabase = errors.New("no advisory database")

// Informational kinds: advisories that are warnings, not vulnerabilities.
const (
	Unmaintained = "unmaintained"
	Unsound      = "unsound"
	Notice       = "notice"
)

// Advisory is one advisory about one crate.
type Advisory struct {
	ID      string   `json:"id"`
	Package string   `json:"package"`
	Title   string   `json:"title,omitempty"`
	Date    string   `json:"date,omitempty"`
	URL     string   `json:"url,omitempty"`
	Aliases []string `json:"aliases,omitempty"`
	Related []string `json:"related,omitempty"`
	// CVSS is the CVSS vector, when the advisory gives one.
	CVSS string `json:"cvss,omitempty"`
	// Informational is "" for a vulnerability, else unmaintained, unsound or notice.
	Informational string `json:"informational,omitempty"`
	// Withdrawn is the date the advisory was withdrawn: it then matches nothing.
	Withdrawn string `json:"withdrawn,omitempty"`
	// Patched and Unaffected are the advisory's version requirements (RustSec form); a version matching neither is
	// affected. OSV advisories give Ranges instead.
	Patched    []string `json:"patched,omitempty"`
	Unaffected []string `json:"unaffected,omitempty"`
	// Ranges are OSV's affected ranges: [introduced, fixed) pairs ("" = unbounded).
	Ranges []Range `json:"ranges,omitempty"`
	// OS and Arch, when set, are the only targets affected (Rust's target_os and target_arch names).
	OS   []string `json:"os,omitempty"`
	Arch []string `json:"arch,omitempty"`
	// Functions are the affected functions by path, with the versions in which they are affected.
	Functions map[string][]string `json:"functions,omitempty"`
	// Source is where the advisory was read from (a path in the database).
	Source string `json:"-"`

	patched, unaffected []Req
	ranges              []versionRange
}

// Range is an OSV SEMVER range: versions from Introduced (inclusive) to Fixed (exclusive) or LastAffected
// (inclusive).
type Range struct {
	Introduced   string `json:"introduced,omitempty"`
	Fixed        string `json:"fixed,omitempty"`
	LastAffected string `json:"last_affected,omitempty"`
}

type versionRange struct {
	from, to, last *Version
}

// Affects reports whether the crate version is affected: not patched and not unaffected (RustSec), or inside an
// affected range (OSV). A withdrawn advisory affects nothing.
func (a *Advisory) Affects(v Version) bool {
	if a.Withdrawn != "" {
		return false
	}
	if len(a.ranges) > 0 {
		for _, r := range a.ranges {
			if (r.from == nil || v.Compare(*r.from) >= 0) && (r.to == nil || v.Compare(*r.to) < 0) && (r.last == nil || v.Compare(*r.last) <= 0) {
				return true
			}
		}
		return false
	}
	for _, r := range append(append([]Req(nil), a.patched...), a.unaffected...) {
		if r.Matches(v) {
			return false
		}
	}
	return true
}

// PatchedIn reports whether the version has the advisory's fix: a patched version (RustSec), or past the end of
// an affected range (OSV); a version from before the flaw is unaffected, not patched.
func (a *Advisory) PatchedIn(v Version) bool {
	if a.Withdrawn != "" || a.Affects(v) {
		return false
	}
	for _, r := range a.patched {
		if r.Matches(v) {
			return true
		}
	}
	for _, r := range a.ranges {
		if r.to != nil && v.Compare(*r.to) >= 0 || r.last != nil && v.Compare(*r.last) > 0 {
			return true
		}
	}
	return false
}

// DB is a set of advisories, by crate name.
type DB struct {
	// Dir is the directory read.
	Dir string
	// Format is "rustsec" or "osv".
	Format    string
	byPackage map[string][]*Advisory
	count     int
}

// Updated is the date of the newest advisory: when the database was last updated, as far as its content tells.
func (db *DB) Updated() time.Time {
	var newest time.Time
	for _, list := range db.byPackage {
		for _, a := range list {
			if t, err := time.Parse("2006-01-02", a.Date); err == nil && t.After(newest) {
				newest = t
			}
		}
	}
	return newest
}

// Len is the number of advisories.
func (db *DB) Len() int { return db.count }

// For returns the advisories about a crate.
func (db *DB) For(name string) []*Advisory { return db.byPackage[name] }

// Load reads a database directory: a RustSec checkout (crates/NAME/RUSTSEC-*.md) or a directory of OSV JSON files
// (RUSTSEC-*.json, at any depth). Only crates' advisories are read (not those about the toolchain under rust/).
func Load(dir string) (*DB, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrNoDatabase, err)
	}
	if !st.IsDir() {
		return nil, fmt.Errorf("%w: %s is not a directory", ErrNoDatabase, dir)
	}
	db := &DB{Dir: dir, byPackage: map[string][]*Advisory{}}
	var total int64
	crates := filepath.Join(dir, "crates")
	root, format := dir, "osv"
	if st, err := os.Stat(crates); err == nil && st.IsDir() {
		root, format = crates, "rustsec"
	}
	db.Format = format
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if strings.HasPrefix(d.Name(), ".") && path != root {
				return filepath.SkipDir // .git
			}
			return nil
		}
		name := d.Name()
		want := format == "rustsec" && strings.HasSuffix(name, ".md") || format == "osv" && strings.HasSuffix(name, ".json")
		if !want || !d.Type().IsRegular() {
			return nil
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, path)
		if info.Size() > maxAdvisoryFile {
			return fmt.Errorf("%s: %d bytes, more than an advisory holds (%d)", rel, info.Size(), maxAdvisoryFile)
		}
		if total += info.Size(); total > maxDatabase {
			return fmt.Errorf("%s: the database is larger than %d bytes", dir, maxDatabase)
		}
		if db.count >= maxAdvisories {
			return fmt.Errorf("%s: more than %d advisories", dir, maxAdvisories)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		var a *Advisory
		if format == "rustsec" {
			a, err = ParseRustSec(data)
		} else {
			a, err = ParseOSV(data)
		}
		if errors.Is(err, errNotACrate) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", rel, err)
		}
		a.Source = filepath.ToSlash(rel)
		db.byPackage[a.Package] = append(db.byPackage[a.Package], a)
		db.count++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if db.count == 0 {
		return nil, fmt.Errorf("%w in %s: want a RustSec checkout (crates/NAME/RUSTSEC-*.md) or OSV files (RUSTSEC-*.json)", ErrNoDatabase, dir)
	}
	for _, list := range db.byPackage {
		sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	}
	return db, nil
}

var errNotACrate = errors.New("not an advisory about a crates.io crate")

// rustsecFile is the TOML front matter of a RustSec advisory.
type rustsecFile struct {
	Advisory struct {
		ID            string   `toml:"id"`
		Package       string   `toml:"package"`
		Date          string   `toml:"date"`
		URL           string   `toml:"url"`
		Aliases       []string `toml:"aliases"`
		Related       []string `toml:"related"`
		CVSS          string   `toml:"cvss"`
		Informational string   `toml:"informational"`
		Withdrawn     string   `toml:"withdrawn"`
		Source        string   `toml:"source"`
	} `toml:"advisory"`
	Versions struct {
		Patched    []string `toml:"patched"`
		Unaffected []string `toml:"unaffected"`
	} `toml:"versions"`
	Affected struct {
		OS        []string            `toml:"os"`
		Arch      []string            `toml:"arch"`
		Functions map[string][]string `toml:"functions"`
	} `toml:"affected"`
}

// ParseRustSec reads an advisory in the RustSec format: a ```toml front matter block, then Markdown whose first
// heading is the title.
func ParseRustSec(data []byte) (*Advisory, error) {
	text := string(bytes.ReplaceAll(data, []byte("\r\n"), []byte("\n")))
	body, ok := strings.CutPrefix(text, "```toml\n")
	if !ok {
		return nil, fmt.Errorf("no ```toml front matter")
	}
	front, rest, ok := strings.Cut(body, "\n```")
	if !ok {
		return nil, fmt.Errorf("the front matter does not end")
	}
	var f rustsecFile
	if _, err := toml.Decode(front, &f); err != nil {
		return nil, fmt.Errorf("front matter: %v", err)
	}
	if f.Advisory.Source != "" && f.Advisory.Source != "crates.io" && !strings.Contains(f.Advisory.Source, "crates.io-index") {
		return nil, errNotACrate
	}
	a := &Advisory{ID: f.Advisory.ID, Package: f.Advisory.Package, Date: f.Advisory.Date, URL: f.Advisory.URL,
		Aliases: f.Advisory.Aliases, Related: f.Advisory.Related, CVSS: f.Advisory.CVSS,
		Informational: f.Advisory.Informational, Withdrawn: f.Advisory.Withdrawn,
		Patched: trimAll(f.Versions.Patched), Unaffected: trimAll(f.Versions.Unaffected),
		OS: f.Affected.OS, Arch: f.Affected.Arch, Functions: f.Affected.Functions}
	for _, line := range strings.Split(rest, "\n") {
		if t, ok := strings.CutPrefix(line, "# "); ok {
			a.Title = strings.TrimSpace(t)
			break
		}
	}
	return a, a.prepare()
}

func trimAll(list []string) []string {
	out := make([]string, 0, len(list))
	for _, s := range list {
		out = append(out, strings.TrimSpace(s))
	}
	return out
}

// prepare checks an advisory and parses its versions.
func (a *Advisory) prepare() error {
	if !strings.HasPrefix(a.ID, "RUSTSEC-") && !strings.HasPrefix(a.ID, "GHSA-") && !strings.HasPrefix(a.ID, "CVE-") {
		return fmt.Errorf("advisory id %q: want RUSTSEC-YYYY-NNNN", safetext.Line(a.ID, 40))
	}
	if a.Package == "" {
		return fmt.Errorf("%s names no package", a.ID)
	}
	switch a.Informational {
	case "", Unmaintained, Unsound, Notice:
	default:
		// A kind this version does not know is kept as a warning of that name.
	}
	for _, list := range []struct {
		in  []string
		out *[]Req
	}{{a.Patched, &a.patched}, {a.Unaffected, &a.unaffected}} {
		for _, s := range list.in {
			r, err := ParseReq(s)
			if err != nil {
				return fmt.Errorf("%s: %v", a.ID, err)
			}
			*list.out = append(*list.out, r)
		}
	}
	for _, r := range a.Ranges {
		var vr versionRange
		for _, b := range []struct {
			s   string
			dst **Version
		}{{r.Introduced, &vr.from}, {r.Fixed, &vr.to}, {r.LastAffected, &vr.last}} {
			if b.s == "" || b.s == "0" || b.s == "0.0.0-0" && b.dst == &vr.from {
				continue
			}
			v, err := ParseVersion(b.s)
			if err != nil {
				return fmt.Errorf("%s: %v", a.ID, err)
			}
			*b.dst = &v
		}
		a.ranges = append(a.ranges, vr)
	}
	if len(a.Ranges) > 0 && len(a.ranges) == 0 {
		return fmt.Errorf("%s: no usable range", a.ID)
	}
	for fn, reqs := range a.Functions {
		for _, s := range reqs {
			if _, err := ParseReq(s); err != nil {
				return fmt.Errorf("%s: function %s: %v", a.ID, safetext.Line(fn, 80), err)
			}
		}
	}
	return nil
}

// osvFile is the part of an OSV record that carries a RustSec advisory.
type osvFile struct {
	ID        string   `json:"id"`
	Summary   string   `json:"summary"`
	Aliases   []string `json:"aliases"`
	Related   []string `json:"related"`
	Published string   `json:"published"`
	Withdrawn string   `json:"withdrawn"`
	Severity  []struct {
		Type  string `json:"type"`
		Score string `json:"score"`
	} `json:"severity"`
	References []struct {
		Type string `json:"type"`
		URL  string `json:"url"`
	} `json:"references"`
	Affected []struct {
		Package struct {
			Ecosystem string `json:"ecosystem"`
			Name      string `json:"name"`
		} `json:"package"`
		Ranges []struct {
			Type   string `json:"type"`
			Events []struct {
				Introduced   string `json:"introduced"`
				Fixed        string `json:"fixed"`
				LastAffected string `json:"last_affected"`
			} `json:"events"`
		} `json:"ranges"`
		EcosystemSpecific struct {
			Affects struct {
				OS        []string `json:"os"`
				Arch      []string `json:"arch"`
				Functions []string `json:"functions"`
			} `json:"affects"`
		} `json:"ecosystem_specific"`
		DatabaseSpecific struct {
			Informational string `json:"informational"`
			CVSS          string `json:"cvss"`
		} `json:"database_specific"`
	} `json:"affected"`
	DatabaseSpecific struct {
		Informational string `json:"informational"`
		CVSS          string `json:"cvss"`
	} `json:"database_specific"`
}

// ParseOSV reads an advisory in the OSV format, as the RustSec database exports it (and osv.dev serves it): its
// crates.io package, SEMVER ranges, and the RustSec fields under ecosystem_specific and database_specific.
func ParseOSV(data []byte) (*Advisory, error) {
	var f osvFile
	if err := json.Unmarshal(data, &f); err != nil {
		return nil, fmt.Errorf("not OSV JSON: %v", err)
	}
	var a *Advisory
	for _, af := range f.Affected {
		if af.Package.Ecosystem != "crates.io" {
			continue
		}
		if a != nil {
			break // one crate per advisory, as RustSec writes them
		}
		a = &Advisory{ID: f.ID, Package: af.Package.Name, Title: f.Summary, Aliases: f.Aliases, Related: f.Related,
			Withdrawn: f.Withdrawn, OS: af.EcosystemSpecific.Affects.OS, Arch: af.EcosystemSpecific.Affects.Arch,
			Informational: firstNonEmpty(af.DatabaseSpecific.Informational, f.DatabaseSpecific.Informational),
			CVSS:          firstNonEmpty(af.DatabaseSpecific.CVSS, f.DatabaseSpecific.CVSS)}
		if len(f.Published) >= 10 {
			a.Date = f.Published[:10]
		}
		for _, fn := range af.EcosystemSpecific.Affects.Functions {
			if a.Functions == nil {
				a.Functions = map[string][]string{}
			}
			a.Functions[fn] = nil
		}
		for _, r := range af.Ranges {
			if r.Type != "SEMVER" {
				continue
			}
			var cur *Range
			for _, e := range r.Events {
				switch {
				case e.Introduced != "":
					a.Ranges = append(a.Ranges, Range{Introduced: e.Introduced})
					cur = &a.Ranges[len(a.Ranges)-1]
				case cur != nil && e.Fixed != "":
					cur.Fixed, cur = e.Fixed, nil
				case cur != nil && e.LastAffected != "":
					cur.LastAffected, cur = e.LastAffected, nil
				}
			}
		}
	}
	if a == nil {
		return nil, errNotACrate
	}
	for _, s := range f.Severity {
		if strings.HasPrefix(s.Type, "CVSS") && a.CVSS == "" {
			a.CVSS = s.Score
		}
	}
	for _, r := range f.References {
		if r.Type == "ADVISORY" || r.Type == "REPORT" && a.URL == "" {
			a.URL = r.URL
		}
	}
	if len(a.Ranges) == 0 {
		return nil, fmt.Errorf("%s: no SEMVER range for crate %s", safetext.Line(f.ID, 40), safetext.Line(a.Package, 64))
	}
	return a, a.prepare()
}

func firstNonEmpty(s ...string) string {
	for _, x := range s {
		if x != "" {
			return x
		}
	}
	return ""
}
