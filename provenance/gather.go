package provenance

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/ferroseal/ferroseal/internal/safetext"
	"github.com/ferroseal/ferroseal/sbom/cargo"
)

// GatherOptions say where to read a build's facts from.
type GatherOptions struct {
	// ManifestPath is the Cargo.toml built; "" means ./Cargo.toml.
	ManifestPath string
	// Lookup reads the environment (os.LookupEnv in the CLI).
	Lookup func(string) (string, bool)
	// Build is what was asked of cargo; its ManifestPath is set here, relative to the repository root.
	Build Build
	// NoWorkspacePrograms runs nothing the workspace can configure: cargo is not run (a checkout's
	// .cargo/config.toml may name programs, a rustc wrapper among them), the workspace root is the nearest
	// directory up from the manifest with a Cargo.lock, and the toolchain is Rustc (as reported by the build), or
	// left out. For a job that signs and must not run the code it signs for.
	NoWorkspacePrograms bool
	// Rustc is the toolchain when it is not asked of rustc (NoWorkspacePrograms).
	Rustc *cargo.Rustc
}

// Gather collects the facts of a build of a workspace: the CI system and its view of the source, the git
// checkout, the workspace's Cargo.lock and the Rust toolchain (rustc -vV). Facts that cannot be read are left out,
// except the lockfile of a manifest that has one and the toolchain, whose absence is an error.
// maxEpoch bounds SOURCE_DATE_EPOCH to the years a timestamp in JSON can hold (RFC 3339: before 10000).
const maxEpoch = 253402300799

func Gather(ctx context.Context, opts GatherOptions) (Facts, error) {
	manifest := opts.ManifestPath
	if manifest == "" {
		manifest = "Cargo.toml"
	}
	abs, err := filepath.Abs(manifest)
	if err != nil {
		return Facts{}, err
	}
	if _, err := os.Stat(abs); err != nil {
		return Facts{}, fmt.Errorf("%w: %s", cargo.ErrNoManifest, manifest)
	}
	lookup := opts.Lookup
	if lookup == nil {
		lookup = os.LookupEnv
	}
	f := Facts{Build: opts.Build, CI: DetectCI(lookup)}
	if v, ok := lookup("SOURCE_DATE_EPOCH"); ok && v != "" {
		secs, err := strconv.ParseInt(v, 10, 64)
		if err != nil || secs < 0 || secs > maxEpoch {
			return Facts{}, fmt.Errorf("SOURCE_DATE_EPOCH=%q is not a number of seconds since 1970", safetext.Line(v, 40))
		}
		f.SourceDate = time.Unix(secs, 0).UTC()
	}
	dir := filepath.Dir(abs)
	f.Source = f.CI.Source
	if checkout, err := GitSource(ctx, dir); err == nil {
		f.Source = f.CI.Source.Merge(checkout)
	} else if !errors.Is(err, ErrNoGit) {
		return Facts{}, err
	}
	f.Build.ManifestPath = relativeToRepo(ctx, dir, abs)

	root := ""
	if opts.NoWorkspacePrograms {
		root = lockfileDir(filepath.Dir(abs))
	} else {
		root = workspaceRoot(ctx, abs)
	}
	lockPath := filepath.Join(root, "Cargo.lock")
	if _, err := os.Stat(lockPath); err == nil {
		lf, err := cargo.ReadLockfileFile(lockPath)
		if err != nil {
			return Facts{}, err
		}
		f.Lockfile = lf
	}
	if opts.NoWorkspacePrograms {
		f.Rustc = opts.Rustc
	} else {
		rc, err := cargo.RustcInfo(ctx)
		if err != nil {
			return Facts{}, err
		}
		f.Rustc = rc
	}
	if f.Build.Target == "" && f.Rustc != nil {
		f.Build.Target = f.Rustc.Host
	}
	return f, nil
}

// lockfileDir is the nearest directory from dir up that holds a Cargo.lock (a workspace's root), or dir.
func lockfileDir(dir string) string {
	for d := dir; ; {
		if st, err := os.Stat(filepath.Join(d, "Cargo.lock")); err == nil && st.Mode().IsRegular() {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			return dir
		}
		d = parent
	}
}

// workspaceRoot asks cargo for the workspace root of a manifest; without cargo, the manifest's own directory.
func workspaceRoot(ctx context.Context, manifest string) string {
	c, err := cargo.CargoPath("")
	if err == nil {
		out, err := exec.CommandContext(ctx, c, "locate-project", "--workspace", "--message-format", "plain", "--manifest-path", manifest).Output()
		if err == nil && strings.TrimSpace(string(out)) != "" {
			return filepath.Dir(strings.TrimSpace(string(out)))
		}
	}
	return filepath.Dir(manifest)
}

// relativeToRepo names a path relative to its git checkout's root, or by its base name outside one: provenance
// never carries an absolute path of the build machine.
func relativeToRepo(ctx context.Context, dir, path string) string {
	out, err := exec.CommandContext(ctx, "git", "-C", dir, "rev-parse", "--show-toplevel").Output()
	if err == nil {
		if rel, err := filepath.Rel(strings.TrimSpace(string(out)), path); err == nil && !strings.HasPrefix(rel, "..") {
			return filepath.ToSlash(rel)
		}
	}
	return filepath.Base(path)
}
