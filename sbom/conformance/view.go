package conformance

import (
	"bytes"
	"fmt"
	"strings"
	"time"

	cdx "github.com/CycloneDX/cyclonedx-go"
	spdxjson "github.com/spdx/tools-golang/json"
	"github.com/spdx/tools-golang/spdx/v2/common"
	spdx2 "github.com/spdx/tools-golang/spdx/v2/v2_3"
	spdx3 "github.com/spdx/tools-golang/spdx/v3/v3_0"
	"github.com/spdx/tools-golang/tagvalue"

	"github.com/ferroseal/ferroseal/sbom/format"
)

// docView is what the rules look at in a document, whatever its format: each fact as the format states it, or
// its absence.
type docView struct {
	format string
	// version is the format's specification version ("1.6", "2.3", "3.0.1").
	version string
	// creatorContact: a creator of the document (not a tool) with an e-mail address or a URL; author: any author
	// of the data, a tool included.
	creatorContact, author bool
	timestamp              bool
	uri                    bool
	vulnerabilities        int
	components             []compView
}

// compView is one component: the primary one (the document's subject) first.
type compView struct {
	id, name, version string
	// creatorContact: its creator with an e-mail address or a URL; supplier: any named supplier, manufacturer
	// or author.
	creatorContact, supplier bool
	filename                 bool
	// related: a dependency relationship names it; completeness: a completeness is stated for its dependencies.
	related, completeness bool
	declared, concluded   bool
	deployableSHA512      bool
	// executable, archive and structured are the stated values ("" when not stated).
	executable, archive, structured  string
	sourceURI, deployURI, identifier bool
}

// view reads a document of any format ferroseal recognises.
func view(data []byte) (*docView, error) {
	f, err := format.Detect(data)
	if err != nil {
		return nil, err
	}
	switch f.Name {
	case "cyclonedx-json", "cyclonedx-xml":
		enc := cdx.BOMFileFormatJSON
		if f.Name == "cyclonedx-xml" {
			enc = cdx.BOMFileFormatXML
		}
		var bom cdx.BOM
		if err := cdx.NewBOMDecoder(bytes.NewReader(data), enc).Decode(&bom); err != nil {
			return nil, fmt.Errorf("decoding CycloneDX: %w", err)
		}
		return cdxView(&bom, f), nil
	case "spdx-json", "spdx-tag-value":
		var doc *spdx2.Document
		if f.Name == "spdx-json" {
			doc, err = spdxjson.Read(bytes.NewReader(data))
		} else {
			doc, err = tagvalue.Read(bytes.NewReader(data))
		}
		if err != nil {
			return nil, fmt.Errorf("decoding SPDX: %w", err)
		}
		return spdx2View(doc), nil
	default:
		var doc spdx3.Document
		if err := doc.FromJSON(bytes.NewReader(data)); err != nil {
			return nil, fmt.Errorf("decoding SPDX 3: %w", err)
		}
		return spdx3View(&doc), nil
	}
}

func cdxView(bom *cdx.BOM, f format.Format) *docView {
	v := &docView{format: "CycloneDX", version: bom.SpecVersion.String(), uri: strings.HasPrefix(bom.SerialNumber, "urn:uuid:")}
	if f.Name == "cyclonedx-xml" {
		v.version = f.CycloneDX.String()
	}
	var comps []*cdx.Component
	if md := bom.Metadata; md != nil {
		_, err := time.Parse(time.RFC3339, md.Timestamp)
		v.timestamp = err == nil
		v.creatorContact = entityContact(md.Manufacturer)
		v.author = entityNamed(md.Manufacturer) || entityNamed(md.Supplier) || contactsNamed(md.Authors) ||
			(md.Tools != nil && ((md.Tools.Components != nil && len(*md.Tools.Components) > 0) || (md.Tools.Tools != nil && len(*md.Tools.Tools) > 0)))
		if md.Component != nil {
			comps = append(comps, md.Component)
		}
	}
	var walk func(cs *[]cdx.Component)
	walk = func(cs *[]cdx.Component) {
		if cs == nil {
			return
		}
		for i := range *cs {
			comps = append(comps, &(*cs)[i])
			walk((*cs)[i].Components)
		}
	}
	walk(bom.Components)
	if bom.Vulnerabilities != nil {
		v.vulnerabilities = len(*bom.Vulnerabilities)
	}
	related, stated := map[string]bool{}, map[string]bool{}
	if bom.Dependencies != nil {
		for _, d := range *bom.Dependencies {
			if d.Dependencies != nil {
				related[d.Ref] = true
				for _, r := range *d.Dependencies {
					related[r] = true
				}
			}
		}
	}
	if bom.Compositions != nil {
		for _, c := range *bom.Compositions {
			for _, refs := range []*[]cdx.BOMReference{c.Assemblies, c.Dependencies} {
				if refs != nil {
					for _, r := range *refs {
						stated[string(r)] = true
					}
				}
			}
		}
	}
	for i, c := range comps {
		cv := compView{id: c.BOMRef, name: c.Name, version: c.Version,
			creatorContact: entityContact(c.Manufacturer),
			supplier: entityNamed(c.Supplier) || entityNamed(c.Manufacturer) || contactsNamed(c.Authors) ||
				strings.TrimSpace(c.Author) != "" || strings.TrimSpace(c.Publisher) != "",
			related:      related[c.BOMRef] || (i == 0 && len(comps) == 1),
			completeness: stated[c.BOMRef],
			identifier:   c.PackageURL != "" || c.CPE != "" || c.SWID != nil,
		}
		if cv.id == "" {
			cv.id = c.Name + "@" + c.Version
		}
		if c.Properties != nil {
			for _, p := range *c.Properties {
				switch p.Name {
				case "bsi:component:filename":
					cv.filename = strings.TrimSpace(p.Value) != ""
				case "bsi:component:executable":
					cv.executable = p.Value
				case "bsi:component:archive":
					cv.archive = p.Value
				case "bsi:component:structured":
					cv.structured = p.Value
				}
			}
		}
		if c.Licenses != nil {
			for _, l := range *c.Licenses {
				ack := ""
				switch {
				case l.Acknowledgement != nil:
					ack = string(*l.Acknowledgement)
				case l.License != nil:
					ack = string(l.License.Acknowledgement)
				}
				cv.declared = cv.declared || ack == string(cdx.LicenseAcknowledgementDeclared)
				cv.concluded = cv.concluded || ack == string(cdx.LicenseAcknowledgementConcluded)
			}
		}
		if c.ExternalReferences != nil {
			for _, r := range *c.ExternalReferences {
				switch r.Type {
				case cdx.ERTypeDistribution:
					cv.deployURI = cv.deployURI || r.URL != ""
					if r.Hashes != nil {
						for _, h := range *r.Hashes {
							cv.deployableSHA512 = cv.deployableSHA512 || (h.Algorithm == cdx.HashAlgoSHA512 && h.Value != "")
						}
					}
				case cdx.ERTypeSourceDistribution:
					cv.sourceURI = cv.sourceURI || r.URL != ""
				}
			}
		}
		v.components = append(v.components, cv)
	}
	return v
}

func entityNamed(e *cdx.OrganizationalEntity) bool {
	return e != nil && (strings.TrimSpace(e.Name) != "" || entityContact(e))
}

func entityContact(e *cdx.OrganizationalEntity) bool {
	if e == nil {
		return false
	}
	if e.URL != nil {
		for _, u := range *e.URL {
			if strings.TrimSpace(u) != "" {
				return true
			}
		}
	}
	if e.Contact != nil {
		for _, c := range *e.Contact {
			if strings.Contains(c.Email, "@") {
				return true
			}
		}
	}
	return false
}

func contactsNamed(cs *[]cdx.OrganizationalContact) bool {
	if cs == nil {
		return false
	}
	for _, c := range *cs {
		if strings.TrimSpace(c.Name) != "" || c.Email != "" {
			return true
		}
	}
	return false
}

func spdx2View(doc *spdx2.Document) *docView {
	v := &docView{format: "SPDX", version: strings.TrimPrefix(doc.SPDXVersion, "SPDX-"), uri: doc.DocumentNamespace != ""}
	if ci := doc.CreationInfo; ci != nil {
		_, err := time.Parse(time.RFC3339, ci.Created)
		v.timestamp = err == nil
		for _, c := range ci.Creators {
			v.author = v.author || c.Creator != ""
			v.creatorContact = v.creatorContact || (c.CreatorType != "Tool" && strings.Contains(c.Creator, "@"))
		}
	}
	related := map[common.ElementID]bool{}
	var primary common.ElementID
	for _, r := range doc.Relationships {
		switch r.Relationship {
		case common.TypeRelationshipDescribe:
			if primary == "" {
				primary = r.RefB.ElementRefID
			}
		case common.TypeRelationshipDependsOn, common.TypeRelationshipDependencyOf, common.TypeRelationshipContains,
			common.TypeRelationshipContainedBy, common.TypeRelationshipBuildDependencyOf, common.TypeRelationshipDevDependencyOf:
			related[r.RefA.ElementRefID], related[r.RefB.ElementRefID] = true, true
		}
	}
	named := func(s string) bool { return s != "" && s != "NOASSERTION" && s != "NONE" }
	pkgs := append([]*spdx2.Package(nil), doc.Packages...)
	for i, p := range pkgs { // the described package first
		if p != nil && p.PackageSPDXIdentifier == primary && i > 0 {
			pkgs[0], pkgs[i] = pkgs[i], pkgs[0]
		}
	}
	for _, p := range pkgs {
		if p == nil {
			continue
		}
		cv := compView{id: string(p.PackageSPDXIdentifier), name: p.PackageName, version: p.PackageVersion,
			related:   related[p.PackageSPDXIdentifier] || len(pkgs) == 1,
			declared:  named(p.PackageLicenseDeclared),
			concluded: named(p.PackageLicenseConcluded),
			deployURI: named(p.PackageDownloadLocation),
		}
		if p.PackageSupplier != nil && named(p.PackageSupplier.Supplier) {
			cv.supplier = true
			cv.creatorContact = strings.Contains(p.PackageSupplier.Supplier, "@")
		}
		if p.PackageOriginator != nil && named(p.PackageOriginator.Originator) {
			cv.supplier = true
			cv.creatorContact = cv.creatorContact || strings.Contains(p.PackageOriginator.Originator, "@")
		}
		for _, r := range p.PackageExternalReferences {
			if r != nil && (r.RefType == common.TypePackageManagerPURL || r.RefType == common.TypeSecurityCPE22Type ||
				r.RefType == common.TypeSecurityCPE23Type || r.RefType == "swid") {
				cv.identifier = true
			}
		}
		cv.filename = p.PackageFileName != ""
		for _, h := range p.PackageChecksums {
			cv.deployableSHA512 = cv.deployableSHA512 || h.Algorithm == common.SHA512
		}
		v.components = append(v.components, cv)
	}
	return v
}

func spdx3View(doc *spdx3.Document) *docView {
	v := &docView{format: "SPDX", version: "3.0.1"}
	if ci, ok := doc.CreationInfo.(*spdx3.CreationInfo); ok {
		v.version = ci.SpecVersion
		v.timestamp = !ci.Created.IsZero()
		for _, a := range ci.CreatedBy {
			v.author = true
			if _, tool := a.(*spdx3.SoftwareAgent); !tool {
				v.creatorContact = v.creatorContact || agentContact(a)
			}
		}
		v.author = v.author || len(ci.CreatedUsing) > 0
	}
	var primary string
	for _, e := range doc.RootElements {
		if s, ok := e.(*spdx3.SBOM); ok {
			v.uri = s.ID != ""
			if len(s.RootElements) > 0 && s.RootElements[0] != nil {
				primary = s.RootElements[0].GetID()
			}
		}
	}
	related, stated := map[string]bool{}, map[string]bool{}
	declared, concluded := map[string]bool{}, map[string]bool{}
	files := map[string][]*spdx3.File{}
	rel := func(from spdx3.AnyElement, to spdx3.ElementList, typ spdx3.RelationshipType, completeness spdx3.RelationshipCompleteness) {
		if from == nil {
			return
		}
		id := from.GetID()
		switch typ {
		case spdx3.RelationshipType_DependsOn, spdx3.RelationshipType_Contains:
			related[id] = true
			for _, t := range to {
				if t != nil {
					related[t.GetID()] = true
				}
			}
			if completeness != (spdx3.RelationshipCompleteness{}) {
				stated[id] = true
			}
		case spdx3.RelationshipType_HasDeclaredLicense:
			declared[id] = true
		case spdx3.RelationshipType_HasConcludedLicense:
			concluded[id] = true
		case spdx3.RelationshipType_HasDistributionArtifact:
			for _, t := range to {
				if f, ok := t.(*spdx3.File); ok {
					files[id] = append(files[id], f)
				}
			}
		}
	}
	var pkgs []*spdx3.Package
	for _, e := range doc.Elements {
		switch x := e.(type) {
		case *spdx3.Relationship:
			rel(x.From, x.To, x.Type, x.Completeness)
		case *spdx3.LifecycleScopedRelationship:
			rel(x.From, x.To, x.Type, x.Completeness)
		case *spdx3.Package:
			if x.ID == primary {
				pkgs = append([]*spdx3.Package{x}, pkgs...)
			} else {
				pkgs = append(pkgs, x)
			}
		}
	}
	for _, p := range pkgs {
		cv := compView{id: p.ID, name: p.Name, version: p.Version,
			related: related[p.ID] || len(pkgs) == 1, completeness: stated[p.ID],
			declared: declared[p.ID], concluded: concluded[p.ID], identifier: p.PackageURL != ""}
		for _, a := range p.OriginatedBy {
			cv.supplier = true
			cv.creatorContact = cv.creatorContact || agentContact(a)
		}
		if p.SuppliedBy != nil {
			cv.supplier = true
		}
		for _, x := range p.ExternalIdentifiers {
			if id, ok := x.(*spdx3.ExternalIdentifier); ok {
				switch id.Type {
				case spdx3.ExternalIdentifierType_PackageURL, spdx3.ExternalIdentifierType_Cpe22, spdx3.ExternalIdentifierType_Cpe23,
					spdx3.ExternalIdentifierType_Swid:
					cv.identifier = true
				}
			}
		}
		for _, r := range p.ExternalRefs {
			if x, ok := r.(*spdx3.ExternalRef); ok && x.Type == spdx3.ExternalRefType_SourceArtifact && len(x.Locators) > 0 {
				cv.sourceURI = true
			}
		}
		for _, f := range files[p.ID] {
			cv.filename = cv.filename || f.Name != ""
			// The file's purposes state what it is: an executable, an archive; their absence that it is not.
			cv.executable, cv.archive, cv.structured = "stated", "stated", "stated"
			for _, m := range f.VerifiedUsing {
				if h, ok := m.(*spdx3.Hash); ok && h.Algorithm == spdx3.HashAlgorithm_Sha512 && h.Value != "" {
					cv.deployableSHA512 = true
				}
			}
			for _, r := range f.ExternalRefs {
				if x, ok := r.(*spdx3.ExternalRef); ok && x.Type == spdx3.ExternalRefType_BinaryArtifact && len(x.Locators) > 0 {
					cv.deployURI = true
				}
			}
		}
		v.components = append(v.components, cv)
	}
	return v
}

// agentContact says whether an agent can be reached: an e-mail address or a web page.
func agentContact(a spdx3.AnyAgent) bool {
	var ids spdx3.ExternalIdentifierList
	var refs spdx3.ExternalRefList
	switch x := a.(type) {
	case *spdx3.Person:
		ids, refs = x.ExternalIdentifiers, x.ExternalRefs
	case *spdx3.Organization:
		ids, refs = x.ExternalIdentifiers, x.ExternalRefs
	case *spdx3.Agent:
		ids, refs = x.ExternalIdentifiers, x.ExternalRefs
	default:
		return false
	}
	for _, i := range ids {
		if x, ok := i.(*spdx3.ExternalIdentifier); ok && x.Type == spdx3.ExternalIdentifierType_Email && strings.Contains(x.Identifier, "@") {
			return true
		}
	}
	for _, r := range refs {
		if x, ok := r.(*spdx3.ExternalRef); ok && len(x.Locators) > 0 {
			return true
		}
	}
	return false
}
