// Package spdx3 writes and reads documents as SPDX 3.0.1 JSON-LD, through tools-golang's SPDX 3 model.
//
// A document is an SpdxDocument whose root element is a software_Sbom (build for documents of a cargo project,
// analyzed for binaries); the Sbom's root is the artifact described, a software_Package with its hashes
// (verifiedUsing) and, for a crate, its purl (software_packageUrl and a packageUrl externalIdentifier). Every
// crate is a software_Package with its `.crate` SHA-256 (verifiedUsing), its purl, download location and home
// page, its authors (originatedBy: Person) and its declared license (a hasDeclaredLicense Relationship to a
// simplelicensing_LicenseExpression; a LicenseRef names a simplelicensing_SimpleLicensingText through
// customIdToUri). Dependencies are LifecycleScopedRelationships dependsOn with scope runtime, build or
// development; a binary, archive or image `contains` what is linked into it; the target triple and compiler of a
// build are a build_Build that hasOutput the artifact. ferroseal's properties (source kind, dependency kind,
// notes) travel as CycloneDX property extensions, so that the formats convert into each other losslessly.
//
// The output is byte-reproducible: every identifier is derived from the content, and the JSON-LD graph is
// written in a canonical order (nodes sorted by identifier, sets sorted, keys sorted).
package spdx3

import (
	"bytes"
	"cmp"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strings"
	"time"

	spdx "github.com/spdx/tools-golang/spdx/v3/v3_0"

	"github.com/ferroseal/ferroseal/sbom"
)

// NamespacePrefix begins every document identifier ferroseal writes.
const NamespacePrefix = "https://ferroseal.dev/spdxdocs/"

// BuildType is the build type of the build_Build element: ferroseal's cargo build type.
const BuildType = "https://github.com/ferroseal/ferroseal/blob/main/docs/buildtype-cargo-v1.md"

// Options name the tool. The document's creators (createdBy: a Person for a creator with an e-mail address, else
// an Organization) are the document's Creators; without any, the tool itself, as a SoftwareAgent.
type Options struct {
	// ToolName and ToolVersion name the tool (createdUsing); ToolName "" means "ferroseal".
	ToolName, ToolVersion string
}

var idUnsafe = regexp.MustCompile(`[^A-Za-z0-9.-]+`)

// Encode writes doc as SPDX 3.0.1 JSON-LD.
func Encode(w io.Writer, doc *sbom.Document, opts Options) error {
	d, err := Document(doc, opts)
	if err != nil {
		return err
	}
	var raw bytes.Buffer
	if err := d.ToJSON(&raw); err != nil {
		return fmt.Errorf("encoding SPDX 3: %w", err)
	}
	out, err := canonical(raw.Bytes())
	if err != nil {
		return fmt.Errorf("encoding SPDX 3: %w", err)
	}
	_, err = w.Write(out)
	return err
}

// Document converts doc into tools-golang's SPDX 3 model.
func Document(doc *sbom.Document, opts Options) (*spdx.Document, error) {
	if err := doc.Validate(); err != nil {
		return nil, err
	}
	b := newBuilder(doc, opts)
	return b.document(), nil
}

type builder struct {
	doc     *sbom.Document
	opts    Options
	ns      string // the document's identifier, followed by "#" for its elements
	ids     map[string]string
	pkgs    map[string]*spdx.Package
	ci      *spdx.CreationInfo
	persons map[string]*spdx.Person
	exprs   map[string]*spdx.LicenseExpression
	texts   map[string]*spdx.SimpleLicensingText
	agents  map[string]spdx.AnyAgent
}

func newBuilder(doc *sbom.Document, opts Options) *builder {
	tool := opts.ToolName
	if tool == "" {
		tool = "ferroseal"
	}
	opts.ToolName = tool
	name := doc.Subject.Name
	if doc.Subject.Version != "" {
		name += "-" + doc.Subject.Version
	}
	b := &builder{doc: doc, opts: opts, ids: map[string]string{}, pkgs: map[string]*spdx.Package{},
		persons: map[string]*spdx.Person{}, exprs: map[string]*spdx.LicenseExpression{}, texts: map[string]*spdx.SimpleLicensingText{},
		agents: map[string]spdx.AnyAgent{}}
	b.ns = NamespacePrefix + strings.Trim(idUnsafe.ReplaceAllString(name, "-"), "-") + "-" + doc.UUID("spdx3", tool, opts.ToolVersion)
	taken := map[string]bool{}
	assign := func(c *sbom.Component) {
		id := "Package-" + strings.Trim(idUnsafe.ReplaceAllString(c.Name+"-"+c.Version, "-"), "-")
		if taken[id] {
			sum := sha256.Sum256([]byte(c.Ref))
			id = fmt.Sprintf("%s-%x", id, sum[:4])
		}
		taken[id] = true
		b.ids[c.Ref] = b.ns + "#SPDXRef-" + id
	}
	assign(&doc.Subject)
	for i := range doc.Components {
		assign(&doc.Components[i])
	}
	return b
}

func (b *builder) id(kind, name string) string {
	return b.ns + "#SPDXRef-" + kind + "-" + strings.Trim(idUnsafe.ReplaceAllString(name, "-"), "-")
}

// uniqueID is id for a value whose cleaned form may be another's (two license expressions, two author lines):
// a digest of the value follows.
func (b *builder) uniqueID(kind, value string) string {
	sum := sha256.Sum256([]byte(value))
	return fmt.Sprintf("%s-%x", b.id(kind, value), sum[:4])
}

// local is an element's identifier within the document, after "#SPDXRef-".
func (b *builder) local(ref string) string { return strings.TrimPrefix(b.ids[ref], b.ns+"#SPDXRef-") }

func (b *builder) document() *spdx.Document {
	doc := b.doc
	created := doc.Created.UTC().Truncate(time.Second)
	tool := &spdx.Tool{ID: b.id("Tool", b.opts.ToolName), Name: strings.TrimSpace(b.opts.ToolName + " " + b.opts.ToolVersion)}
	var by spdx.AgentList
	for _, a := range doc.Creators {
		by = append(by, b.author("", a))
	}
	if len(by) == 0 {
		by = spdx.AgentList{&spdx.SoftwareAgent{ID: b.id("Agent", b.opts.ToolName), Name: b.opts.ToolName}}
	}
	b.ci = &spdx.CreationInfo{SpecVersion: spdx.Version, Created: created, CreatedBy: by, CreatedUsing: spdx.ToolList{tool}}
	for _, r := range doc.LicenseRefs {
		b.texts[r.ID] = &spdx.SimpleLicensingText{ID: b.ns + "#" + r.ID, Name: r.Name, LicenseText: cmp.Or(r.Text, "NOASSERTION")}
	}

	subject := b.pkg(&doc.Subject)
	var elements spdx.ElementList
	elements = append(elements, subject)
	for i := range doc.Components {
		elements = append(elements, b.pkg(&doc.Components[i]))
	}
	for i := -1; i < len(doc.Components); i++ {
		c := &doc.Subject
		if i >= 0 {
			c = &doc.Components[i]
		}
		edges := b.edges(c, i < 0)
		for _, r := range edges {
			elements = append(elements, r)
		}
		if len(edges) == 0 && doc.Profile != "" {
			// A component without dependencies says so (dependsOn NoneElement), for a profile that asks whether its
			// list is complete; NoAssertionElement when that is not known.
			// (A fresh individual each time: tools-golang sets the creationInfo of what it writes, and the shared
			// ones would carry one document's into the next.)
			var none spdx.AnyElement = &spdx.IndividualElement{ID: spdx.IndividualElement_NoneElement.GetID()}
			if c.Dependencies != sbom.DependenciesComplete {
				none = &spdx.IndividualElement{ID: spdx.IndividualElement_NoAssertionElement.GetID()}
			}
			elements = append(elements, &spdx.Relationship{ID: b.id("Relationship", b.local(c.Ref)+"-none"), From: b.pkgs[c.Ref],
				To: spdx.ElementList{none}, Type: spdx.RelationshipType_DependsOn, Completeness: completeness[c.Dependencies]})
		}
		if c.License != "" {
			elements = append(elements, &spdx.Relationship{ID: b.id("Relationship", b.local(c.Ref)+"-license"),
				From: b.pkgs[c.Ref], To: spdx.ElementList{b.license(c.License)}, Type: spdx.RelationshipType_HasDeclaredLicense})
		}
		if c.ConcludedLicense != "" {
			elements = append(elements, &spdx.Relationship{ID: b.id("Relationship", b.local(c.Ref)+"-concluded-license"),
				From: b.pkgs[c.Ref], To: spdx.ElementList{b.license(c.ConcludedLicense)}, Type: spdx.RelationshipType_HasConcludedLicense})
		}
		if f := b.file(c); f != nil {
			elements = append(elements, f, &spdx.Relationship{ID: b.id("Relationship", b.local(c.Ref)+"-distribution"),
				From: b.pkgs[c.Ref], To: spdx.ElementList{f}, Type: spdx.RelationshipType_HasDistributionArtifact})
		}
	}
	if r := b.contains(); r != nil {
		elements = append(elements, r)
	}
	// The texts of the LicenseRefs, which expressions name through customIdToUri (a string, not a reference).
	for _, id := range slices.Sorted(mapKeys(b.texts)) {
		elements = append(elements, b.texts[id])
	}
	profiles := []spdx.ProfileIdentifierType{spdx.ProfileIdentifierType_Core, spdx.ProfileIdentifierType_Software, spdx.ProfileIdentifierType_SimpleLicensing}
	if build := b.build(); build != nil {
		elements = append(elements, build, &spdx.Relationship{ID: b.id("Relationship", "build-output"), From: build,
			To: spdx.ElementList{subject}, Type: spdx.RelationshipType_HasOutput})
		profiles = append(profiles, spdx.ProfileIdentifierType_Build)
	}
	sbomType := spdx.SbomType_Analyzed
	if doc.Origin == sbom.OriginMetadata || doc.Origin == sbom.OriginLockfile {
		sbomType = spdx.SbomType_Build
	}
	s := &spdx.SBOM{ID: b.id("Sbom", "sbom"), RootElements: spdx.ElementList{subject}, SbomTypes: []spdx.SbomType{sbomType},
		Elements: elements, ProfileConformances: profiles, Extensions: properties(documentProperties(doc))}
	name := doc.Subject.Name
	if doc.Subject.Version != "" {
		name += "-" + doc.Subject.Version
	}
	return &spdx.Document{SpdxDocument: spdx.SpdxDocument{ID: b.ns, Name: name, CreationInfo: b.ci,
		ProfileConformances: profiles, RootElements: spdx.ElementList{s}}}
}

// author is a contact as an Agent: a Person with an e-mail address, else an Organization; role prefixes its
// identifier ("Creator" for a component's creator, whom a reader tells from its authors by it).
func (b *builder) author(role string, a sbom.Contact) spdx.AnyAgent {
	var ids spdx.ExternalIdentifierList
	if a.Email != "" {
		ids = append(ids, &spdx.ExternalIdentifier{Type: spdx.ExternalIdentifierType_Email, Identifier: a.Email})
	}
	var refs spdx.ExternalRefList
	if a.URL != "" {
		refs = append(refs, &spdx.ExternalRef{Type: spdx.ExternalRefType_AltWebPage, Locators: []string{a.URL}})
	}
	if a.Email != "" {
		return &spdx.Person{ID: b.uniqueID(role+"Person", a.Name+"-"+a.Email+"-"+a.URL), Name: a.Name, ExternalIdentifiers: ids, ExternalRefs: refs}
	}
	return &spdx.Organization{ID: b.uniqueID(role+"Organization", a.Name+"-"+a.URL), Name: a.Name, ExternalRefs: refs}
}

var purposes = map[sbom.ComponentType]spdx.SoftwarePurpose{
	sbom.TypeApplication: spdx.SoftwarePurpose_Application,
	sbom.TypeLibrary:     spdx.SoftwarePurpose_Library,
	sbom.TypeFile:        spdx.SoftwarePurpose_Archive,
	sbom.TypeContainer:   spdx.SoftwarePurpose_Container,
}

var hashAlgorithms = map[sbom.HashAlgorithm]spdx.HashAlgorithm{
	sbom.SHA1:   spdx.HashAlgorithm_Sha1,
	sbom.SHA256: spdx.HashAlgorithm_Sha256,
	sbom.SHA384: spdx.HashAlgorithm_Sha384,
	sbom.SHA512: spdx.HashAlgorithm_Sha512,
}

func (b *builder) pkg(c *sbom.Component) *spdx.Package {
	p := &spdx.Package{ID: b.ids[c.Ref], Name: c.Name, Version: c.Version, PrimaryPurpose: purposes[c.Type],
		Description: c.Description, HomePage: spdx.URI(c.Homepage)}
	if purl := c.PURL(); purl != "" {
		p.PackageURL = spdx.URI(purl)
		p.ExternalIdentifiers = append(p.ExternalIdentifiers, &spdx.ExternalIdentifier{Type: spdx.ExternalIdentifierType_PackageURL, Identifier: purl})
	}
	for _, h := range c.Hashes {
		if alg, ok := hashAlgorithms[h.Algorithm]; ok {
			p.VerifiedUsing = append(p.VerifiedUsing, &spdx.Hash{Algorithm: alg, Value: h.Value})
		}
	}
	if u := sbom.DownloadURL(c); u != "" {
		p.DownloadLocation = spdx.URI(u)
	} else if c.Source.Kind == sbom.SourceGit && strings.HasPrefix(c.Source.URL, "https://") {
		loc := "git+" + c.Source.URL
		if c.Source.Rev != "" {
			loc += "@" + c.Source.Rev
		}
		p.DownloadLocation = spdx.URI(loc)
	}
	if c.Repository != "" {
		p.ExternalRefs = append(p.ExternalRefs, &spdx.ExternalRef{Type: spdx.ExternalRefType_Vcs, Locators: []string{c.Repository}})
	}
	if c.Documentation != "" {
		p.ExternalRefs = append(p.ExternalRefs, &spdx.ExternalRef{Type: spdx.ExternalRefType_Documentation, Locators: []string{c.Documentation}})
	}
	if c.Creator != nil {
		p.OriginatedBy = append(p.OriginatedBy, b.creator(c.Creator))
	}
	for _, a := range c.Authors {
		p.OriginatedBy = append(p.OriginatedBy, b.person(a))
	}
	if c.SourceURL != "" {
		p.ExternalRefs = append(p.ExternalRefs, &spdx.ExternalRef{Type: spdx.ExternalRefType_SourceArtifact, Locators: []string{c.SourceURL}})
	}
	p.Extensions = properties(sbom.ComponentPropertiesNoScope(c, c.Ref == b.doc.Subject.Ref))
	b.pkgs[c.Ref] = p
	return p
}

// creator is a component's creator, once per document.
func (b *builder) creator(c *sbom.Contact) spdx.AnyAgent {
	key := "creator\x00" + c.Name + "\x00" + c.Email + "\x00" + c.URL
	if a, ok := b.agents[key]; ok {
		return a
	}
	a := b.author("Creator", *c)
	b.agents[key] = a
	return a
}

// person is an author of a crate ("Name <email>", as Cargo.toml writes them), once per document.
func (b *builder) person(s string) *spdx.Person {
	if p, ok := b.persons[s]; ok {
		return p
	}
	name, email := s, ""
	if i := strings.LastIndex(s, "<"); i >= 0 && strings.HasSuffix(s, ">") {
		name, email = strings.TrimSpace(s[:i]), s[i+1:len(s)-1]
	}
	p := &spdx.Person{ID: b.uniqueID("Person", s), Name: name}
	if email != "" {
		p.ExternalIdentifiers = spdx.ExternalIdentifierList{&spdx.ExternalIdentifier{Type: spdx.ExternalIdentifierType_Email, Identifier: email}}
	}
	b.persons[s] = p
	return p
}

// license is the element of a license expression, once per expression; a LicenseRef it names points at its text.
func (b *builder) license(expr string) *spdx.LicenseExpression {
	if e, ok := b.exprs[expr]; ok {
		return e
	}
	e := &spdx.LicenseExpression{ID: b.uniqueID("License", expr), LicenseExpression: expr}
	for _, id := range slices.Sorted(mapKeys(b.texts)) {
		if strings.Contains(expr, id) {
			e.CustomIdToUris = append(e.CustomIdToUris, &spdx.DictionaryEntry{Key: id, Value: b.texts[id].ID})
		}
	}
	b.exprs[expr] = e
	return e
}

func mapKeys[V any](m map[string]V) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

// file is a component's deployable form as a software_File, for a profile that asks for it (a component with a
// bsi:component:filename property): its file name, hashes, kind (primary and additional purposes) and where to
// download it.
func (b *builder) file(c *sbom.Component) *spdx.File {
	var name, exec, archive string
	for _, p := range c.Properties {
		switch p.Name {
		case "bsi:component:filename":
			name = p.Value
		case "bsi:component:executable":
			exec = p.Value
		case "bsi:component:archive":
			archive = p.Value
		}
	}
	if name == "" || b.doc.Profile == "" {
		return nil
	}
	f := &spdx.File{ID: b.id("File", b.local(c.Ref)), Name: name, PrimaryPurpose: spdx.SoftwarePurpose_File}
	var purposes []spdx.SoftwarePurpose
	if exec == "executable" {
		purposes = append(purposes, spdx.SoftwarePurpose_Executable)
	}
	if archive == "archive" {
		purposes = append(purposes, spdx.SoftwarePurpose_Archive)
	}
	if len(purposes) > 0 {
		f.PrimaryPurpose, f.AdditionalPurposes = purposes[0], purposes[1:]
	}
	for _, h := range c.Hashes {
		if alg, ok := hashAlgorithms[h.Algorithm]; ok {
			f.VerifiedUsing = append(f.VerifiedUsing, &spdx.Hash{Algorithm: alg, Value: h.Value})
		}
	}
	if u := sbom.DownloadURL(c); u != "" {
		f.ExternalRefs = spdx.ExternalRefList{&spdx.ExternalRef{Type: spdx.ExternalRefType_BinaryArtifact, Locators: []string{u}}}
	}
	return f
}

// edges are a component's dependencies, one relationship per lifecycle: a build-only (development-only) crate
// is a build (development) dependency of the runtime crate or artifact that uses it; everything else is a runtime
// dependency of what uses it, as in SPDX 2.3's DEPENDS_ON.
func (b *builder) edges(c *sbom.Component, isSubject bool) []*spdx.LifecycleScopedRelationship {
	byScope := map[spdx.LifecycleScopeType]spdx.ElementList{}
	var scopes []spdx.LifecycleScopeType
	for _, ref := range c.DependsOn {
		dep := b.doc.Component(ref)
		scope := spdx.LifecycleScopeType_Runtime
		switch {
		case dep.Scope == sbom.ScopeBuild && (isSubject || c.Scope == sbom.ScopeRuntime):
			scope = spdx.LifecycleScopeType_Build
		case dep.Scope == sbom.ScopeDev && c.Scope != sbom.ScopeDev:
			scope = spdx.LifecycleScopeType_Development
		}
		if _, ok := byScope[scope]; !ok {
			scopes = append(scopes, scope)
		}
		byScope[scope] = append(byScope[scope], b.pkgs[ref])
	}
	var out []*spdx.LifecycleScopedRelationship
	from := b.local(c.Ref)
	for _, scope := range scopes {
		r := &spdx.LifecycleScopedRelationship{ID: b.id("Relationship", from+"-"+scopeName(scope)), From: b.pkgs[c.Ref],
			To: byScope[scope], Type: spdx.RelationshipType_DependsOn, Scope: scope}
		if b.doc.Profile != "" {
			r.Completeness = completeness[c.Dependencies]
		}
		out = append(out, r)
	}
	return out
}

var completeness = map[sbom.Completeness]spdx.RelationshipCompleteness{
	sbom.DependenciesComplete:   spdx.RelationshipCompleteness_Complete,
	sbom.DependenciesIncomplete: spdx.RelationshipCompleteness_Incomplete,
	sbom.CompletenessUnknown:    spdx.RelationshipCompleteness_NoAssertion,
}

func scopeName(s spdx.LifecycleScopeType) string {
	switch s {
	case spdx.LifecycleScopeType_Build:
		return "build"
	case spdx.LifecycleScopeType_Development:
		return "development"
	}
	return "runtime"
}

// contains says what a binary, archive or image holds: every crate (and binary) linked into it.
func (b *builder) contains() *spdx.Relationship {
	if !strings.HasPrefix(b.doc.Subject.Ref, "artifact:") {
		return nil
	}
	var to spdx.ElementList
	for i := range b.doc.Components {
		if c := &b.doc.Components[i]; c.Scope == sbom.ScopeRuntime || c.Type == sbom.TypeApplication {
			to = append(to, b.pkgs[c.Ref])
		}
	}
	if len(to) == 0 {
		return nil
	}
	return &spdx.Relationship{ID: b.id("Relationship", "contains"), From: b.pkgs[b.doc.Subject.Ref], To: to, Type: spdx.RelationshipType_Contains}
}

// build is the build that made the artifact, when the document knows something of it: the target triple, the
// compiler.
func (b *builder) build() *spdx.Build {
	var params, env spdx.DictionaryEntryList
	if b.doc.Target != "" {
		params = append(params, &spdx.DictionaryEntry{Key: "target", Value: b.doc.Target})
	}
	for _, p := range b.doc.Properties {
		switch p.Name {
		case sbom.PropTargetTriple:
			params = append(params, &spdx.DictionaryEntry{Key: "target", Value: p.Value})
		case sbom.PropRustc:
			env = append(env, &spdx.DictionaryEntry{Key: "rustc", Value: p.Value})
		}
	}
	if len(params) == 0 && len(env) == 0 {
		return nil
	}
	return &spdx.Build{ID: b.id("Build", "build"), Type: BuildType, Parameters: params, Environments: env}
}

// documentProperties are the document's own facts, as CycloneDX metadata properties carry them.
func documentProperties(doc *sbom.Document) []sbom.Property {
	ps := []sbom.Property{{Name: sbom.PropOrigin, Value: string(doc.Origin)}}
	if doc.Profile != "" {
		ps = append(ps, sbom.Property{Name: sbom.PropProfile, Value: doc.Profile})
	}
	if doc.Target != "" {
		ps = append(ps, sbom.Property{Name: sbom.PropTargetTriple, Value: doc.Target})
	}
	if doc.AllTargets {
		ps = append(ps, sbom.Property{Name: sbom.PropAllTargets, Value: "true"})
	}
	if doc.Incomplete {
		ps = append(ps, sbom.Property{Name: sbom.PropIncomplete, Value: "true"})
	}
	ps = append(ps, doc.Properties...)
	for _, n := range doc.Notes {
		ps = append(ps, sbom.Property{Name: sbom.PropNote, Value: n})
	}
	return ps
}

// properties carries name-value properties as SPDX 3's CycloneDX properties extension.
func properties(ps []sbom.Property) spdx.ExtensionList {
	if len(ps) == 0 {
		return nil
	}
	ext := &spdx.CdxPropertiesExtension{}
	for _, p := range ps {
		ext.CdxProperties = append(ext.CdxProperties, &spdx.CdxPropertyEntry{CdxPropName: p.Name, CdxPropValue: p.Value})
	}
	return spdx.ExtensionList{ext}
}

// canonical rewrites the JSON-LD the library writes in one order: graph nodes sorted by identifier, the sets of
// element references sorted, object keys sorted (encoding/json sorts map keys), indented.
func canonical(data []byte) ([]byte, error) {
	var v map[string]any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	graph, _ := v["@graph"].([]any)
	// The specification's individuals (NoneElement, NoAssertionElement) are named by their IRIs, not described:
	// tools-golang writes them as nodes, which are left out.
	graph = slices.DeleteFunc(graph, func(n any) bool {
		m, _ := n.(map[string]any)
		id, _ := m["spdxId"].(string)
		return strings.HasPrefix(id, "https://spdx.org/rdf/")
	})
	for _, n := range graph {
		if m, ok := n.(map[string]any); ok {
			if list, ok := m["element"].([]any); ok {
				m["element"] = slices.DeleteFunc(list, func(e any) bool {
					id, _ := e.(string)
					return strings.HasPrefix(id, "https://spdx.org/rdf/")
				})
			}
		}
	}
	v["@graph"] = graph
	key := func(n any) string {
		m, _ := n.(map[string]any)
		id, _ := m["spdxId"].(string)
		if id == "" {
			id, _ = m["@id"].(string)
		}
		return id
	}
	for _, n := range graph {
		if m, ok := n.(map[string]any); ok {
			// Sets whose order tools-golang does not keep; originatedBy keeps the order of the authors.
			for _, set := range []string{"element", "to", "rootElement", "createdBy", "createdUsing"} {
				if list, ok := m[set].([]any); ok {
					slices.SortFunc(list, func(a, b any) int { return cmp.Compare(fmt.Sprint(a), fmt.Sprint(b)) })
				}
			}
		}
	}
	slices.SortStableFunc(graph, func(a, b any) int { return cmp.Compare(key(a), key(b)) })
	var out bytes.Buffer
	enc := json.NewEncoder(&out)
	enc.SetEscapeHTML(false)
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}
