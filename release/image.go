package release

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/ferroseal/ferroseal/advisory"
	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/attest/oci"
	"github.com/ferroseal/ferroseal/internal/atomicfile"
	"github.com/ferroseal/ferroseal/internal/registry"
	"github.com/ferroseal/ferroseal/provenance"
	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/binary"
	"github.com/ferroseal/ferroseal/sbom/format"
)

// ImageResult is what releasing an image in a registry attached.
type ImageResult struct {
	// Digest is the manifest (or index) the reference was resolved to.
	Digest string
	// Attached lists each attestation: its predicate type, the manifest it is about, and the referrer's digest.
	Attached []string
	// Files are the SBOM files written (with OutputDir).
	Files []string
}

// Image releases a container image in a registry in one step: the reference is resolved to a digest once; each
// platform's image is described from the Rust binaries of its final filesystem, and every JSON SBOM is signed as a
// statement about that platform's manifest and attached to it as a referrer; provenance (made from the workspace,
// unless o.Provenance.None) is signed about the digest the reference named and attached to it. SBOM files are
// also written into o.OutputDir when it is set. With o.Audit, each platform's audit is attached as OpenVEX.
func Image(ctx context.Context, ref string, o Options) (*ImageResult, error) {
	logf := o.Log
	if logf == nil {
		logf = func(string, ...any) {}
	}
	if o.Sign.Keypair == nil {
		return nil, errors.New("release: no signer")
	}
	rem, err := registry.Resolve(ctx, ref, registry.Options{})
	if err != nil {
		return nil, err
	}
	res := &ImageResult{Digest: rem.Digest.String()}
	created := o.Created
	if created.IsZero() {
		created = time.Now().UTC().Truncate(time.Second)
	}
	formats := withJSONForms(o.Formats, logf)
	exts := format.Exts(formats)
	images, err := binary.ScanImages(ctx, binary.RegistryPrefix+rem.Repo.Name()+"@"+rem.Digest.String(),
		binary.ScanOptions{Options: binary.Options{Hashes: []sbom.HashAlgorithm{sbom.SHA256}, Created: created}})
	if err != nil {
		return nil, err
	}
	attach := func(target *registry.Remote, stmt *attest.Statement) error {
		b, err := attest.Sign(ctx, stmt, o.Sign)
		if err != nil {
			return err
		}
		d, err := oci.Attach(ctx, target, b, stmt.PredicateType, created, registry.Options{})
		if err != nil {
			return err
		}
		res.Attached = append(res.Attached, fmt.Sprintf("%s about %s: referrer %s", stmt.PredicateType, target.Digest, d))
		logf("attached %s to %s@%s", stmt.PredicateType, target.Repo.Name(), target.Digest)
		return nil
	}
	// about attaches a statement of the predicate about a manifest of the image.
	about := func(target *registry.Remote, predicateType string, predicate []byte) error {
		stmt, err := attest.NewStatement([]attest.Subject{{Name: rem.Repo.Name(), Digest: map[string]string{"sha256": target.Digest.Hex}}}, predicateType, predicate)
		if err != nil {
			return err
		}
		return attach(target, stmt)
	}
	base := strings.ReplaceAll(filepath.Base(rem.Repo.RepositoryStr()), ":", "_")
	var reports []*advisory.Report
	for _, img := range images {
		doc := binary.ImageDocument(img.Image, img.Items, created)
		if o.Reference != nil {
			for _, m := range sbom.Enrich(doc, o.Reference) {
				logf("warning: %s: %s", img.Image.Platform, m.Message)
			}
		}
		if o.Prepare != nil {
			o.Prepare(doc)
		}
		target := rem
		if img.Image.Manifest != rem.Digest.String() {
			if target, err = registry.Resolve(ctx, rem.Repo.Name()+"@"+img.Image.Manifest, registry.Options{}); err != nil {
				return nil, err
			}
		}
		name := base
		if len(images) > 1 {
			name += "-" + strings.ReplaceAll(img.Image.Platform, "/", "-")
		}
		if o.Audit != nil {
			rep := advisory.Audit(o.Audit.DB, doc, advisory.Options{Ignore: o.Audit.Ignore})
			reports = append(reports, rep)
			data, err := o.Audit.openVEX([]*advisory.Report{rep}, created, o.Tool)
			if err != nil {
				return nil, err
			}
			if err := about(target, attest.PredicateOpenVEX, data); err != nil {
				return nil, err
			}
			logf("audit: %s: %d vulnerabilities, %d in build-only crates, %d warnings", img.Image.Platform, len(rep.Vulnerabilities()), len(rep.BuildOnly()), len(rep.Warnings()))
		}
		renderings, err := renderSBOMs(doc, rem.Repo.Name(), formats, o.Tool, func(_ int, stmt *attest.Statement) error { return attach(target, stmt) })
		if err != nil {
			return nil, err
		}
		for fi, data := range renderings {
			if o.OutputDir != "" {
				if err := os.MkdirAll(o.OutputDir, 0o755); err != nil {
					return nil, err
				}
				p := filepath.Join(o.OutputDir, name+exts[fi])
				if err := atomicfile.WriteBytes(p, 0o644, data); err != nil {
					return nil, err
				}
				res.Files = append(res.Files, p)
			}
		}
	}
	if o.Audit != nil && len(images) > 1 {
		// The index gets the platforms' statements too: what a verifier of the index, the digest a pod names, reads.
		data, err := o.Audit.openVEX(reports, created, o.Tool)
		if err != nil {
			return nil, err
		}
		if err := about(rem, attest.PredicateOpenVEX, data); err != nil {
			return nil, err
		}
	}
	if o.Provenance.None {
		return res, nil
	}
	manifest := o.Provenance.Manifest
	if manifest == "" {
		if _, err := os.Stat("Cargo.toml"); err != nil {
			logf("provenance: none: no Cargo.toml here to make it from (--manifest-path)")
			return res, nil
		}
		manifest = "Cargo.toml"
	}
	facts, err := provenance.Gather(ctx, provenance.GatherOptions{ManifestPath: manifest, Lookup: o.Provenance.Lookup})
	if err != nil {
		return nil, err
	}
	facts.ToolVersion = o.Provenance.ToolVersion
	if builder, err := signerBuilder(ctx, o.Sign); err != nil {
		return nil, err
	} else if builder != "" {
		facts.CI.BuilderID = builder
	}
	pred, err := provenance.Predicate(facts)
	if err != nil {
		return nil, err
	}
	if err := about(rem, attest.PredicateSLSAProvenance1, pred); err != nil {
		return nil, err
	}
	return res, nil
}
