package sbom

// Property names. The cdx: names are registered in the CycloneDX property taxonomy; the ferroseal: names are ours
// and documented in docs/properties.md.
const (
	// PropTargetTriple is the target triple the components were resolved for (document level).
	PropTargetTriple = "cdx:rustc:sbom:target:triple"
	// PropAllTargets is "true" when the components cover every target platform (document level).
	PropAllTargets = "cdx:rustc:sbom:target:all_targets"
	// PropReproducible is "true" when the document's bytes depend only on its inputs (document level).
	PropReproducible = "cdx:reproducible"

	// PropSource is the kind of source a crate comes from: crates.io, registry, git or local.
	PropSource = "ferroseal:cargo:source"
	// PropSourceLabel is the source as cargo-auditable names it, when it is not one of the kinds ("sparse", a
	// registry name).
	PropSourceLabel = "ferroseal:cargo:source-label"
	// PropDependencyKind is "build" for a crate needed only to build, "dev" for one needed only by tests.
	PropDependencyKind = "ferroseal:cargo:dependency-kind"
	// PropCrateKind is "proc-macro" for a procedural macro crate.
	PropCrateKind = "ferroseal:cargo:crate-kind"
	// PropFeatures lists the features cargo enabled for a crate, comma-separated (from cargo's SBOM precursor).
	PropFeatures = "ferroseal:cargo:features"
	// PropRustc is the compiler that built a binary, from its .comment section (document level).
	PropRustc = "ferroseal:rustc:version"
	// PropProfile names the requirements a document was made to meet (document level): "bsi-tr-03183-2".
	PropProfile = "ferroseal:sbom:profile"
	// PropOrigin says what the document was read from: cargo-metadata, cargo-lock, cargo-auditable, cargo-sbom or heuristic.
	PropOrigin = "ferroseal:sbom:origin"
	// PropNote is a sentence about the limits of the data (document level, repeatable).
	PropNote = "ferroseal:sbom:note"
	// PropAuditableFormat is the format number of the embedded cargo-auditable data (document level).
	PropAuditableFormat = "ferroseal:auditable:format"
	// PropArchitecture is the architecture of a binary's slice (Mach-O universal binaries have several).
	PropArchitecture = "ferroseal:binary:architecture"
	// PropContainer is the binary's container format: elf, pe, macho, macho-universal or wasm.
	PropContainer = "ferroseal:binary:container"
	// PropPath is the artifact's path relative to the directory or archive it was found in.
	PropPath = "ferroseal:binary:path"

	// PropImageManifest is the digest of a container image's manifest (the image's subject).
	PropImageManifest = "ferroseal:image:manifest-digest"
	// PropImageConfig is the digest of a container image's configuration: the image ID.
	PropImageConfig = "ferroseal:image:config-digest"
	// PropImagePlatform is a container image's platform, os/arch[/variant].
	PropImagePlatform = "ferroseal:image:platform"
	// PropImagePath is a binary's path in a container image's filesystem.
	PropImagePath = "ferroseal:image:path"
	// PropImageLayer is the digest of the layer that provides a binary in its image's final filesystem.
	PropImageLayer = "ferroseal:image:layer"
)
