package provenance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"slices"
	"strings"
)

// ErrNoGit is returned when the directory is not in a git checkout (or git is not installed).
var ErrNoGit = errors.New("not a git checkout")

// GitSource reads the checkout that contains dir: the origin remote (as git+https, without credentials), the
// commit, the ref (the branch, or a tag that points at the commit when HEAD is detached), and whether tracked
// files have uncommitted changes.
func GitSource(ctx context.Context, dir string) (Source, error) {
	git := func(args ...string) (string, error) {
		cmd := exec.CommandContext(ctx, "git", append([]string{"-C", dir}, args...)...)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		if err := cmd.Run(); err != nil {
			return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, strings.TrimSpace(errb.String()))
		}
		return strings.TrimSpace(out.String()), nil
	}
	commit, err := git("rev-parse", "--verify", "HEAD")
	if err != nil {
		return Source{}, fmt.Errorf("%w: %s: %v", ErrNoGit, dir, err)
	}
	s := Source{Commit: commit}
	if remote, err := git("remote", "get-url", "origin"); err == nil {
		s.URI = cleanRemote(remote)
	}
	if ref, err := git("symbolic-ref", "-q", "HEAD"); err == nil && ref != "" {
		s.Ref = ref
	} else if tag, err := git("describe", "--tags", "--exact-match", "HEAD"); err == nil && tag != "" {
		s.Ref = "refs/tags/" + tag
	}
	if status, err := git("status", "--porcelain", "--untracked-files=no"); err == nil && status != "" {
		s.Dirty = true
	}
	if tags, err := git("tag", "--points-at", "HEAD"); err == nil && tags != "" {
		s.Tags = strings.Fields(tags)
		slices.Sort(s.Tags)
	}
	return s, nil
}

// Merge completes a source the CI system reported with what the checkout says: the CI's repository, ref and
// commit win (they are not the user's to set), the checkout supplies what the CI left out and the dirty flag.
func (s Source) Merge(checkout Source) Source {
	out := s
	if out.URI == "" {
		out.URI = checkout.URI
	}
	if out.Ref == "" {
		out.Ref = checkout.Ref
	}
	if out.Commit == "" {
		out.Commit = checkout.Commit
	}
	out.Dirty = checkout.Dirty
	if out.Commit == checkout.Commit {
		out.Tags = checkout.Tags // the checkout's tags are facts about the commit the CI built
	}
	return out
}
