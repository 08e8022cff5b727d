// Package bsi fills a document with what BSI TR-03183-2 (version 2.1.0, "Cyber Resilience Requirements for
// Manufacturers and Products, Part 2: Software Bill of Materials") requires, from what ferroseal knows: never a
// made-up value. What cannot be known stays empty, and the document says so in a note; `ferroseal sbom check`
// then lists it. The rules are in docs/bsi.md.
package bsi

import (
	"crypto/sha256"
	"crypto/sha512"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/ferroseal/ferroseal/sbom"
)

// Profile is the profile's name, as --profile takes it and the document records it.
const Profile = "bsi-tr-03183-2"

// Version is the version of the guideline the profile follows.
const Version = "2.1.0"

// Property names and values of the guideline's component fields, as its CycloneDX mapping names them.
const (
	PropFilename   = "bsi:component:filename"
	PropExecutable = "bsi:component:executable"
	PropArchive    = "bsi:component:archive"
	PropStructured = "bsi:component:structured"

	Executable    = "executable"
	NonExecutable = "non-executable"
	Archive       = "archive"
	NoArchive     = "no archive"
	Structured    = "structured"
	Unstructured  = "unstructured"
)

// NoteCrateSHA512 says why some crates carry no SHA-512.
const NoteCrateSHA512 = "The SHA-512 of some crates' .crate files is not known: Cargo.lock records their SHA-256 only, and " +
	"their files were not found in cargo's download cache (or the directories given with --crate-dir)"

// NoteNoArtifact says why a document of a cargo project lacks the artifact's file facts.
const NoteNoArtifact = "This document describes a cargo project, not a built artifact: the file name, SHA-512 and download URI " +
	"of the artifact, and of the local crates deployed in it, are known only from the artifact: describe the built binary " +
	"(ferroseal sbom BINARY --manifest-path Cargo.toml) for them."

// Options are what the profile needs from the user.
type Options struct {
	// Creators are the document's authors: at least one, with an e-mail address or a URL.
	Creators []sbom.Contact
	// DownloadURL is where the described artifact can be downloaded from; {name} in it is replaced by the
	// artifact's file name.
	DownloadURL string
	// CrateDirs are directories holding .crate files (cargo's download cache, a local registry, a vendor
	// mirror): a registry crate's file whose SHA-256 is the one Cargo.lock records gives its SHA-512.
	CrateDirs []string
}

// Check validates the options: the guideline requires the SBOM's creator with an e-mail address or a URL.
func (o Options) Check() error {
	if len(o.Creators) == 0 {
		return fmt.Errorf("the %s profile needs the SBOM's author (--sbom-author NAME <EMAIL> or NAME URL)", Profile)
	}
	for _, c := range o.Creators {
		if c.Email == "" && c.URL == "" {
			return fmt.Errorf("the SBOM's author %q needs an e-mail address or a URL (%s requires one)", c.Name, Profile)
		}
	}
	if o.DownloadURL != "" {
		if u, err := url.Parse(strings.ReplaceAll(o.DownloadURL, "{name}", "x")); err != nil || u.Scheme == "" || u.Host == "" {
			return fmt.Errorf("--download-url %q is not an absolute URL", o.DownloadURL)
		}
	}
	return nil
}

// Apply fills doc for the profile, in place: the document's creators; each component's creator, file name and
// kind, concluded license, source and download URLs, and whether its dependencies are complete. It returns
// nothing: what stays unknown is noted in the document.
func Apply(doc *sbom.Document, opts Options) {
	doc.Profile = Profile
	doc.Creators = slices.Clone(opts.Creators)
	subject := &doc.Subject
	complete := completeness(doc)
	applyComponent(subject, true, complete[subject.Ref])
	if subject.Creator == nil && len(opts.Creators) > 0 {
		// The artifact is the product of whoever releases it: the SBOM's author.
		c := opts.Creators[0]
		subject.Creator = &c
	}
	if opts.DownloadURL != "" && subject.DistributionURL == "" && isFile(subject) {
		subject.DistributionURL = strings.ReplaceAll(opts.DownloadURL, "{name}", url.PathEscape(subject.Name))
	}
	if subject.SourceURL == "" {
		subject.SourceURL = rootSource(doc)
	}
	if subject.License == "" && isFile(subject) {
		// A binary is distributed under the license of the crate it is built from.
		if root := rootCrate(doc); root != nil && root.License != "" {
			subject.License, subject.ConcludedLicense = root.License, root.License
		}
	}
	var without []string
	for i := range doc.Components {
		c := &doc.Components[i]
		applyComponent(c, false, complete[c.Ref])
		switch {
		case registryCrate(c) && c.Hash(sbom.SHA512) == "":
			if h, note := crateSHA512(c, opts.CrateDirs); h != "" {
				c.Hashes = append(c.Hashes, sbom.Hash{Algorithm: sbom.SHA512, Value: h})
			} else {
				if note != "" {
					doc.Notes = append(doc.Notes, note)
				}
				without = append(without, c.Name+" "+c.Version)
			}
		case isCrate(c) && !registryCrate(c) && isFile(subject):
			deployedIn(c, subject)
		}
		if c.Source.Kind == sbom.SourcePath {
			// A local crate is part of the sources the artifact is built from: unless it names its own, its
			// creator and source are the artifact's.
			if c.Creator == nil && subject.Creator != nil {
				k := *subject.Creator
				c.Creator = &k
			}
			if c.SourceURL == "" {
				c.SourceURL = subject.SourceURL
			}
		}
	}
	if !isFile(subject) {
		doc.Notes = append(doc.Notes, NoteNoArtifact)
	}
	if len(without) > 0 {
		doc.Notes = append(doc.Notes, fmt.Sprintf("%s (%d crates: %s)", NoteCrateSHA512, len(without), strings.Join(without, ", ")))
	}
	doc.Normalize()
}

func registryCrate(c *sbom.Component) bool {
	return c.Source.Kind == sbom.SourceCratesIO || c.Source.Kind == sbom.SourceRegistry
}

// deployedIn describes a crate that has no distribution of its own (a local or git crate, compiled into the
// artifact) by the file it is deployed in: the artifact's file name, digests, kind and download URL.
func deployedIn(c *sbom.Component, artifact *sbom.Component) {
	for _, name := range []string{PropFilename, PropExecutable, PropArchive, PropStructured} {
		for _, p := range artifact.Properties {
			if p.Name == name {
				c.Properties = slices.DeleteFunc(c.Properties, func(q sbom.Property) bool { return q.Name == name })
				c.Properties = append(c.Properties, p)
			}
		}
	}
	for _, h := range artifact.Hashes {
		if c.Hash(h.Algorithm) == "" {
			c.Hashes = append(c.Hashes, h)
		}
	}
	if c.DistributionURL == "" {
		c.DistributionURL = artifact.DistributionURL
	}
}

// maxCrateSize bounds a .crate file read (crates.io refuses crates over 10 MiB).
const maxCrateSize = 64 << 20

// crateSHA512 looks for a registry crate's .crate file in dirs (and their subdirectories one level down, as
// cargo's cache keeps one per registry) and returns its SHA-512 when its SHA-256 is the crate's; else "", and a
// note when a file was found that is not the crate's.
func crateSHA512(c *sbom.Component, dirs []string) (string, string) {
	want := c.Hash(sbom.SHA256)
	if want == "" || c.Version == "" {
		return "", ""
	}
	name := c.Name + "-" + c.Version + ".crate"
	for _, dir := range dirs {
		candidates := []string{filepath.Join(dir, name)}
		if subs, err := filepath.Glob(filepath.Join(dir, "*", name)); err == nil {
			candidates = append(candidates, subs...)
		}
		for _, path := range candidates {
			sum256, sum512, err := hashFile(path)
			if err != nil {
				continue
			}
			if sum256 != want {
				return "", fmt.Sprintf("%s is not the .crate file of %s %s: its SHA-256 is not the one Cargo.lock records; it was not used.",
					name, c.Name, c.Version)
			}
			return sum512, ""
		}
	}
	return "", ""
}

func hashFile(path string) (string, string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", "", err
	}
	defer f.Close()
	if st, err := f.Stat(); err != nil || !st.Mode().IsRegular() || st.Size() > maxCrateSize {
		return "", "", fmt.Errorf("%s: not a regular file of at most %d bytes", path, maxCrateSize)
	}
	h256, h512 := sha256.New(), sha512.New()
	if _, err := io.Copy(io.MultiWriter(h256, h512), io.LimitReader(f, maxCrateSize)); err != nil {
		return "", "", err
	}
	return hex.EncodeToString(h256.Sum(nil)), hex.EncodeToString(h512.Sum(nil)), nil
}

func isCrate(c *sbom.Component) bool { return c.Source.Kind != sbom.SourceUnknown }

// isFile says whether a component is a file ferroseal read: a binary, an archive, an image.
func isFile(c *sbom.Component) bool {
	return !isCrate(c) && (len(c.Hashes) > 0 || c.Type == sbom.TypeContainer)
}

func applyComponent(c *sbom.Component, subject bool, deps sbom.Completeness) {
	c.Dependencies = deps
	if c.License != "" && c.ConcludedLicense == "" {
		// A crate is passed on under the license its creator declared: no alternative of an OR is chosen here.
		c.ConcludedLicense = c.License
	}
	if c.Creator == nil {
		c.Creator = creator(c)
	}
	switch {
	case isCrate(c):
		kind := sbom.Property{Name: PropArchive, Value: NoArchive}
		if c.Source.Kind == sbom.SourceCratesIO || c.Source.Kind == sbom.SourceRegistry {
			// A registry crate is the .crate file cargo downloads: a gzipped tar of its sources and manifest.
			kind.Value = Archive
			if c.Version != "" {
				setProperty(c, PropFilename, c.Name+"-"+c.Version+".crate")
			}
		}
		setProperty(c, kind.Name, kind.Value)
		setProperty(c, PropExecutable, NonExecutable)
		setProperty(c, PropStructured, Structured)
		if c.SourceURL == "" {
			c.SourceURL = crateSource(c)
		}
	case c.Type == sbom.TypeContainer || c.Type == sbom.TypeFile:
		setProperty(c, PropExecutable, NonExecutable)
		setProperty(c, PropArchive, Archive)
		setProperty(c, PropStructured, Structured)
		if c.Type == sbom.TypeFile {
			setProperty(c, PropFilename, c.Name)
		}
	case isFile(c):
		// A binary: ELF, PE, Mach-O or WebAssembly.
		setProperty(c, PropFilename, c.Name)
		setProperty(c, PropExecutable, Executable)
		setProperty(c, PropArchive, NoArchive)
		setProperty(c, PropStructured, Unstructured)
	}
	_ = subject
}

func setProperty(c *sbom.Component, name, value string) {
	for _, p := range c.Properties {
		if p.Name == name {
			return
		}
	}
	c.Properties = append(c.Properties, sbom.Property{Name: name, Value: value})
}

// creator is who made a crate: its first author with an e-mail address, else its project's URL (home page,
// repository, or its crates.io page), as the guideline allows.
func creator(c *sbom.Component) *sbom.Contact {
	for _, a := range c.Authors {
		if name, email, ok := splitAuthor(a); ok {
			return &sbom.Contact{Name: name, Email: email, URL: projectURL(c)}
		}
	}
	if u := projectURL(c); u != "" {
		name := ""
		if len(c.Authors) > 0 {
			name = c.Authors[0]
		}
		return &sbom.Contact{Name: name, URL: u}
	}
	return nil
}

func projectURL(c *sbom.Component) string {
	switch {
	case c.Homepage != "":
		return c.Homepage
	case c.Repository != "":
		return c.Repository
	case c.Source.Kind == sbom.SourceCratesIO && c.Name != "":
		return "https://crates.io/crates/" + url.PathEscape(c.Name)
	}
	return ""
}

// splitAuthor splits cargo's "Name <email>".
func splitAuthor(a string) (name, email string, ok bool) {
	i, j := strings.LastIndexByte(a, '<'), strings.LastIndexByte(a, '>')
	if i < 0 || j < i || !strings.Contains(a[i:j], "@") {
		return "", "", false
	}
	return strings.TrimSpace(a[:i]), strings.TrimSpace(a[i+1 : j]), true
}

// crateSource is where a crate's source code is: a registry crate's .crate file (a crate is its source), a git
// crate's repository at its commit, else the repository its manifest names.
func crateSource(c *sbom.Component) string {
	switch {
	case c.Source.Kind == sbom.SourceCratesIO:
		return sbom.DownloadURL(c)
	case c.Source.Kind == sbom.SourceGit && c.Source.URL != "":
		u := "git+" + c.Source.URL
		if c.Source.Rev != "" {
			u += "@" + c.Source.Rev
		}
		return u
	}
	return c.Repository
}

// rootSource is the source of the artifact: its repository, or that of the local crate it is built from.
func rootSource(doc *sbom.Document) string {
	if doc.Subject.Repository != "" {
		return doc.Subject.Repository
	}
	if root := rootCrate(doc); root != nil {
		return root.Repository
	}
	return ""
}

// rootCrate is the one local crate an artifact directly depends on (the crate it is built from), or nil.
func rootCrate(doc *sbom.Document) *sbom.Component {
	var root *sbom.Component
	for _, dep := range doc.Subject.DependsOn {
		if c := doc.Component(dep); c != nil && c.Source.Kind == sbom.SourcePath {
			if root != nil {
				return nil
			}
			root = c
		}
	}
	return root
}

// completeness says whose dependency lists are complete, from what the document was read from: cargo's own
// resolution (cargo metadata, cargo's SBOM precursor) is complete; cargo-auditable data of format 1 or later is
// complete for the crates linked in (build-only crates are recorded without their own build dependencies);
// format 0, a Cargo.lock alone (every platform, no kinds) and the heuristic are not known to be.
func completeness(doc *sbom.Document) map[string]sbom.Completeness {
	out := map[string]sbom.Completeness{}
	var linked bool
	switch doc.Origin {
	case sbom.OriginMetadata, sbom.OriginCargoSBOM:
		out[doc.Subject.Ref] = sbom.DependenciesComplete
		for _, c := range doc.Components {
			out[c.Ref] = sbom.DependenciesComplete
		}
		return out
	case sbom.OriginAuditable:
		linked = true
		for _, p := range doc.Properties {
			if p.Name == sbom.PropAuditableFormat && p.Value == "0" {
				linked = false
			}
		}
	case sbom.OriginHeuristic:
		out[doc.Subject.Ref] = sbom.DependenciesIncomplete
		return out
	}
	if !linked || doc.Incomplete {
		return out
	}
	out[doc.Subject.Ref] = sbom.DependenciesComplete
	for _, c := range doc.Components {
		if c.Scope == sbom.ScopeRuntime || (c.Type == sbom.TypeApplication && !isCrate(&c)) {
			out[c.Ref] = sbom.DependenciesComplete
		}
	}
	return out
}
