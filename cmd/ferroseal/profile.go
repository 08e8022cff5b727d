package main

import (
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"

	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/bsi"
	"github.com/ferroseal/ferroseal/sbom/cyclonedx"
	"github.com/ferroseal/ferroseal/sbom/format"
)

// profileFlags are the flags of a document profile: the documents' author, the download URL of the artifact, and
// the profile that asks for them.
type profileFlags struct {
	profile     string
	authors     []string
	downloadURL string
	crateDirs   []string
}

func (p *profileFlags) register(fl *pflag.FlagSet) {
	fl.StringVar(&p.profile, "profile", "", "make documents that meet a profile: "+bsi.Profile+" (BSI TR-03183-2 "+bsi.Version+"; see docs/bsi.md)")
	fl.StringArrayVar(&p.authors, "sbom-author", nil, "the SBOM's author, repeatable: 'NAME <EMAIL>', 'NAME URL' or both ('NAME <EMAIL> URL')")
	fl.StringVar(&p.downloadURL, "download-url", "", "where the artifact is downloaded from ({name} is its file name), for the profile's deployable-form URI")
	fl.StringArrayVar(&p.crateDirs, "crate-dir", nil, "directory of .crate files to take crates' SHA-512 from, verified against Cargo.lock's SHA-256 (default: cargo's download cache)")
}

// apply checks the flags against the outputs (the profile's formats: CycloneDX 1.6 or later, CycloneDX 1.7 unless
// a version is named, SPDX 3) and returns what to do to each document before it is written.
func (p *profileFlags) apply(outs []outputSpec, outputs []string, getenv func(string) (string, bool)) (func(*sbom.Document), error) {
	formats := make([]*format.Format, len(outs))
	for i := range outs {
		formats[i] = &outs[i].format
	}
	return p.applyFormats(formats, outputs, getenv)
}

// applyFormats is apply for formats alone (release names its files itself).
func (p *profileFlags) applyFormats(formats []*format.Format, outputs []string, getenv func(string) (string, bool)) (func(*sbom.Document), error) {
	var creators []sbom.Contact
	for _, a := range p.authors {
		c, err := sbom.ParseContact(a)
		if err != nil {
			return nil, usageErrorf("--sbom-author: %v", err)
		}
		creators = append(creators, c)
	}
	switch p.profile {
	case "":
		if p.downloadURL != "" || len(p.crateDirs) > 0 {
			return nil, usageErrorf("--download-url and --crate-dir are for a profile: add --profile %s", bsi.Profile)
		}
		return func(d *sbom.Document) { d.Creators = append(d.Creators, creators...) }, nil
	case bsi.Profile, "bsi":
	default:
		return nil, usageErrorf("unknown --profile %q (want %s)", p.profile, bsi.Profile)
	}
	opts := bsi.Options{Creators: creators, DownloadURL: p.downloadURL, CrateDirs: p.crateDirs}
	if len(opts.CrateDirs) == 0 {
		// cargo's download cache: $CARGO_HOME/registry/cache/REGISTRY/NAME-VERSION.crate.
		home, ok := getenv("CARGO_HOME")
		if !ok || home == "" {
			if h, ok := getenv("HOME"); ok && h != "" {
				home = filepath.Join(h, ".cargo")
			}
		}
		if home != "" {
			opts.CrateDirs = []string{filepath.Join(home, "registry", "cache")}
		}
	}
	if err := opts.Check(); err != nil {
		return nil, withCode(exitUsage, err)
	}
	if len(outputs) == 0 {
		outputs = []string{"cyclonedx-json"}
	}
	for i, f := range formats {
		switch f.Name {
		case "cyclonedx-json", "cyclonedx-xml":
			name, _, _ := strings.Cut(outputs[min(i, len(outputs)-1)], "=")
			if !strings.Contains(name, "@") {
				// 1.7 holds a component's declared and concluded licenses both; 1.6 only one expression.
				f.CycloneDX = cyclonedx.Spec1_7
			}
			if f.CycloneDX < cyclonedx.Spec1_6 {
				return nil, usageErrorf("%s: %s requires CycloneDX 1.6 or later", f, bsi.Profile)
			}
		case "spdx-json", "spdx-tag-value":
			return nil, usageErrorf("%s: %s requires SPDX 3.0.1 or later: use -o spdx3-json", f.Name, bsi.Profile)
		}
	}
	return func(d *sbom.Document) { bsi.Apply(d, opts) }, nil
}

// hashes adds to the digests asked for those the profile needs (SHA-512 of the artifact).
func (p *profileFlags) hashes(asked []string) []string {
	if p.profile == "" || containsFold(asked, "sha512") {
		return asked
	}
	return append(asked, "sha512")
}

func containsFold(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(strings.ReplaceAll(x, "-", ""), s) {
			return true
		}
	}
	return false
}
