// Package cargo reads what cargo knows of a Rust project (the JSON of `cargo metadata --format-version 1`, and
// Cargo.lock in versions 1 to 4) and builds [sbom.Document]s from it: one per workspace member that produces an
// artifact, one for the whole workspace, or one from a lockfile alone.
//
// # Security
//
// Metadata JSON and lockfiles are untrusted input. Reads are bounded by the limits of package
// internal/limits; every package id, dependency and index is checked before use; errors name the file and the
// problem. No absolute path of the build machine is carried into a document: local crates are identified by name
// and version only, and file URLs and credentials are dropped from source URLs.
package cargo
