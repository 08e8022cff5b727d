package binary

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/package-url/packageurl-go"

	"github.com/ferroseal/ferroseal/sbom"
	"github.com/ferroseal/ferroseal/sbom/auditable"
)

// ImageItems are the binaries a scan found in one container image (one platform of it).
type ImageItems struct {
	// Image identifies the image; its Layer and Path are empty.
	Image ImageInfo
	Items []Item
}

// GroupByImage splits a scan's items into those found in container images, grouped by image and platform in the
// order the scan returned them, and the others.
func GroupByImage(items []Item) (images []ImageItems, rest []Item) {
	at := map[string]int{}
	for _, it := range items {
		if it.Image == nil {
			rest = append(rest, it)
			continue
		}
		img := *it.Image
		img.Layer, img.Path = "", ""
		key := img.Name + "|" + img.Manifest + "|" + img.Config + "|" + img.Platform
		i, ok := at[key]
		if !ok {
			i = len(images)
			at[key] = i
			images = append(images, ImageItems{Image: img})
		}
		images[i].Items = append(images[i].Items, it)
	}
	return images, rest
}

// ScanImages reads the Rust binaries of a container image (registry:REF, oci-layout:DIR, an OCI layout directory,
// an image archive), grouped by image: one per platform that has at least one (a platform without Rust binaries
// has nothing to describe). A binary that cannot be read is an error; an image with no Rust binary at all is an
// error wrapping auditable.ErrNotAuditable.
func ScanImages(ctx context.Context, input string, opts ScanOptions) ([]ImageItems, error) {
	items, err := Scan(ctx, []string{input}, opts)
	if err != nil {
		return nil, err
	}
	for _, it := range items {
		if it.Err != nil && !errors.Is(it.Err, auditable.ErrNotAuditable) {
			return nil, it.Err
		}
	}
	images, _ := GroupByImage(items)
	var out []ImageItems
	for _, img := range images {
		for _, it := range img.Items {
			if it.Err == nil && it.Result != nil {
				out = append(out, img)
				break
			}
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("%s: %w: no Rust binary with cargo-auditable data in the image", input, auditable.ErrNotAuditable)
	}
	return out, nil
}

// ImageDocument makes the document of one container image from the documents of the binaries found in it: the image
// is the subject (a container, named by its reference, identified by its manifest digest, with its configuration
// digest and platform, and a pkg:oci package URL), each binary a component with its path in the image and the
// layer that provides it, and every binary's crates below it.
func ImageDocument(img ImageInfo, binaries []Item, created time.Time) *sbom.Document {
	var docs []*sbom.Document
	for _, it := range binaries {
		if it.Result == nil {
			continue
		}
		docs = append(docs, it.Result.Doc) // with its path and layer in the image (Scan records them)
	}
	doc := sbom.MergeArtifacts(img.Name, docs, created)
	s := &doc.Subject
	s.Type = sbom.TypeContainer
	s.NoPURL = false
	s.OtherPURL = ociPURL(img)
	if hexDigest, ok := strings.CutPrefix(img.Manifest, "sha256:"); ok {
		s.Hashes = []sbom.Hash{{Algorithm: sbom.SHA256, Value: hexDigest}}
	}
	doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropImageConfig, Value: img.Config})
	if img.Manifest != "" {
		doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropImageManifest, Value: img.Manifest})
	}
	if img.Platform != "" {
		doc.Properties = append(doc.Properties, sbom.Property{Name: sbom.PropImagePlatform, Value: img.Platform})
	}
	if img.Manifest == "" {
		doc.Notes = append(doc.Notes, "The image comes from a docker-archive without manifest: it is identified by its configuration digest (the image ID), and its layers by their diff IDs.")
	}
	doc.Normalize()
	return doc
}

// ociPURL is the image's package URL, pkg:oci/NAME@DIGEST with its repository and tag, when the image has a
// manifest digest; "" otherwise.
func ociPURL(img ImageInfo) string {
	if img.Manifest == "" {
		return ""
	}
	repo, tag := img.Name, ""
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo, tag = repo[:i], repo[i+1:]
	}
	name := repo[strings.LastIndex(repo, "/")+1:]
	if name == "" {
		return ""
	}
	q := map[string]string{}
	if strings.Contains(repo, "/") {
		q["repository_url"] = repo
	}
	if tag != "" {
		q["tag"] = tag
	}
	if _, arch, ok := strings.Cut(img.Platform, "/"); ok {
		q["arch"], _, _ = strings.Cut(arch, "/")
	}
	return packageurl.NewPackageURL("oci", "", strings.ToLower(name), img.Manifest, packageurl.QualifiersFromMap(q), "").ToString()
}
