package main

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/ferroseal/ferroseal/attest"
	"github.com/ferroseal/ferroseal/attest/oci"
	"github.com/ferroseal/ferroseal/internal/inputfile"
	"github.com/ferroseal/ferroseal/internal/limits"
	"github.com/ferroseal/ferroseal/internal/registry"
	"github.com/ferroseal/ferroseal/sbom/auditable"
	"github.com/ferroseal/ferroseal/sbom/binary"
)

// imageRef returns the reference of a registry:REF argument.
func imageRef(arg string) (string, bool) {
	return strings.CutPrefix(arg, binary.RegistryPrefix)
}

// attestImage signs a statement about an image in a registry, its subject the manifest digest its reference
// resolves to (once), named by its repository as cosign names it, and attaches the bundle as a referrer (--push)
// and/or writes it (--bundle).
func (a *app) attestImage(cmd *cobra.Command, f *attestFlags, ref, ptype string, opts attest.SignOptions) error {
	if !f.push && f.output == "" {
		return usageErrorf("an image in a registry: attach the attestation with --push (and/or write it with --bundle FILE)")
	}
	ctx := cmd.Context()
	rem, err := registry.Resolve(ctx, ref, registry.Options{})
	if err != nil {
		return err
	}
	var stmt *attest.Statement
	if f.predicate != "" {
		pred, err := inputfile.ReadAll(f.predicate, limits.MaxPredicateSize)
		if err != nil {
			return err
		}
		subjects := []attest.Subject{{Name: rem.Repo.Name(), Digest: map[string]string{"sha256": rem.Digest.Hex}}}
		if stmt, err = attest.StatementFor(pred, ptype, subjects); err != nil {
			return fmt.Errorf("%s: %w", f.predicate, err)
		}
	} else {
		fm, err := attest.SBOMFormatFor(ptype, f.sbomFormat)
		if err != nil {
			return withCode(exitUsage, fmt.Errorf("--type %s: %w (--predicate FILE, or --sbom-format)", f.typ, err))
		}
		scan := binary.ScanOptions{}
		if f.platform != "" {
			if scan.Platform, err = binary.ParsePlatform(f.platform); err != nil {
				return withCode(exitUsage, err)
			}
		}
		created, reproducible, err := a.created()
		if err != nil {
			return err
		}
		scan.Created = created
		images, err := binary.ScanImages(ctx, binary.RegistryPrefix+rem.Repo.Name()+"@"+rem.Digest.String(), scan)
		if errors.Is(err, auditable.ErrNotAuditable) {
			return withCode(exitNotAuditable, err)
		}
		if err != nil {
			return err
		}
		if len(images) > 1 {
			return usageErrorf("%s is an index of %d platforms: attest one with --platform OS/ARCH (its SBOM is about that platform's manifest)", ref, len(images))
		}
		doc := binary.ImageDocument(images[0].Image, images[0].Items, created)
		if images[0].Image.Manifest != rem.Digest.String() {
			// One platform of an index: the statement and the referrer are about that platform's manifest.
			if rem, err = registry.Resolve(ctx, rem.Repo.Name()+"@"+images[0].Image.Manifest, registry.Options{}); err != nil {
				return err
			}
		}
		if stmt, _, err = attest.SBOMStatement(doc, rem.Repo.Name(), fm, a.tool(reproducible)); err != nil {
			return err
		}
	}
	b, err := attest.Sign(ctx, stmt, opts)
	if err != nil {
		return err
	}
	if f.output != "" {
		if err := attest.WriteBundle(f.output, b); err != nil {
			return err
		}
		a.notef("wrote %s (%s)", f.output, stmt.PredicateType)
	}
	if f.push {
		created, _, err := a.created()
		if err != nil {
			return err
		}
		d, err := oci.Attach(ctx, rem, b, stmt.PredicateType, created, registry.Options{})
		if err != nil {
			return err
		}
		a.notef("attached %s to %s@%s as %s", stmt.PredicateType, rem.Repo.Name(), rem.Digest, d)
	}
	return nil
}

// verifyImage verifies the bundles attached to an image in a registry: every referrer that carries a bundle about
// that very manifest is evidence, verified under the policy like a file's; the others are listed, not counted.
func (a *app) verifyImage(cmd *cobra.Command, f *verifyFlags, policy attest.Policy, ref string) (*attest.Result, error) {
	ctx := cmd.Context()
	rem, err := registry.Resolve(ctx, ref, registry.Options{})
	if err != nil {
		return nil, err
	}
	refs, err := oci.Bundles(ctx, rem)
	if err != nil {
		return nil, err
	}
	var evidence []attest.Evidence
	for _, r := range refs {
		switch {
		case r.ArtifactType != oci.BundleType:
			a.infof("%s@%s: referrer %s of type %q is not a Sigstore bundle: not counted", rem.Repo.Name(), rem.Digest, r.Digest, r.ArtifactType)
		case r.Err != nil:
			a.warnf("%s@%s: referrer %s: %v: not counted", rem.Repo.Name(), rem.Digest, r.Digest, r.Err)
		default:
			evidence = append(evidence, attest.Evidence{Source: "referrer " + r.Digest.String(), Data: r.Bundle})
		}
	}
	name := rem.Repo.Name() + "@" + rem.Digest.String()
	if len(evidence) == 0 {
		err := fmt.Errorf("%w: no Sigstore bundle is attached to %s", attest.ErrVerificationFailed, name)
		return &attest.Result{Artifact: attest.Subject{Name: name}, Problems: []string{err.Error()}}, err
	}
	res, err := attest.VerifyImage(ctx, binary.RegistryPrefix+name, rem.Digest.Hex, attest.Evidences(evidence...), policy)
	if errors.Is(err, attest.ErrVerificationFailed) {
		a.hints(res)
	}
	return res, err
}
