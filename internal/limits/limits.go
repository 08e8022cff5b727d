// Package limits holds every size and count bound that ferroseal applies to untrusted input. The parse path and the
// verify path both read them from here, so a limit is never checked on one path and forgotten on the other.
package limits

const (
	// MiB is 1<<20 bytes.
	MiB = 1 << 20
	// GiB is 1<<30 bytes.
	GiB = 1 << 30

	// MaxBinarySize is the default largest binary (executable, library or Wasm module) ferroseal opens, as in the
	// reference cargo-auditable reader.
	MaxBinarySize int64 = 1 * GiB
	// MaxPayloadSize is the default largest decompressed cargo-auditable JSON payload, as in the reference reader.
	MaxPayloadSize int64 = 8 * MiB
	// MaxPackages is the largest number of packages accepted in one payload, lockfile or metadata document.
	MaxPackages = 100_000
	// MaxDependencies is the largest number of dependency edges accepted in one payload, lockfile or metadata
	// document.
	MaxDependencies = 2_000_000

	// MaxMetadataSize is the largest `cargo metadata` JSON document read.
	MaxMetadataSize int64 = 512 * MiB
	// MaxLockfileSize is the largest Cargo.lock read. The lockfiles of the largest Rust workspaces (the compiler,
	// Firefox) are a few hundred KiB.
	MaxLockfileSize int64 = 8 * MiB
	// MaxManifestSize is the largest Cargo.toml read.
	MaxManifestSize int64 = 4 * MiB

	// MaxBundleSize is the largest Sigstore bundle, DSSE envelope or one line of an .intoto.jsonl file read. The
	// SBOM of a program of a few thousand crates makes a bundle of a few MiB.
	MaxBundleSize int64 = 16 * MiB
	// MaxBundleLines is the largest number of lines read from one .intoto.jsonl file.
	MaxBundleLines = 10_000
	// MaxEvidenceTotal is the most bytes of bundles read for one verification, all files together. They are read one
	// bundle at a time, so this bounds time, not memory.
	MaxEvidenceTotal int64 = 256 * MiB
	// MaxPredicateSize is the largest predicate (an SBOM or provenance document) embedded in a statement.
	MaxPredicateSize int64 = 12 * MiB
	// MaxKeySize is the largest key file read.
	MaxKeySize int64 = 1 * MiB
	// MaxTrustedRootSize is the largest trusted root or signing configuration file read.
	MaxTrustedRootSize int64 = 16 * MiB
	// MaxIdentityTokenSize is the largest OIDC identity token read from a file, the environment or a CI endpoint.
	MaxIdentityTokenSize int64 = 64 << 10

	// MaxArchiveEntries is the largest number of entries read from one release archive.
	MaxArchiveEntries = 100_000
	// MaxArchiveTotal is the most bytes decompressed from one release archive, with the archives nested in it.
	MaxArchiveTotal int64 = 8 * GiB
	// ArchiveRatio and ArchiveFloor keep an archive's cost proportionate to its size: it may decompress to
	// ArchiveRatio times its own size, or ArchiveFloor bytes for a small one, whichever is more (release archives of
	// Rust programs compress three to ten times).
	ArchiveRatio int64 = 100
	ArchiveFloor int64 = 32 * MiB
	// MaxRPMHeader is the most bytes an RPM package's signature and main headers may hold together; the headers of
	// large packages (thousands of files) are a few MiB.
	MaxRPMHeader int64 = 64 * MiB
	// MaxWalkFiles is the largest number of files examined under one directory argument.
	MaxWalkFiles = 1_000_000
)
