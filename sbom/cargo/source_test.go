package cargo

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/ferroseal/ferroseal/sbom"
)

func TestParseSource(t *testing.T) {
	t.Parallel()
	tests := []struct {
		id   string
		want sbom.Source
	}{
		{id: "", want: sbom.Source{Kind: sbom.SourcePath}},
		{id: "registry+https://github.com/rust-lang/crates.io-index", want: sbom.Source{Kind: sbom.SourceCratesIO}},
		{id: "sparse+https://index.crates.io/", want: sbom.Source{Kind: sbom.SourceCratesIO}},
		{id: "sparse+https://my.registry/index/", want: sbom.Source{Kind: sbom.SourceRegistry, URL: "https://my.registry/index/"}},
		{id: "registry+https://user:secret@git.example.com/index", want: sbom.Source{Kind: sbom.SourceRegistry, URL: "https://git.example.com/index"}},
		{
			id:   "git+https://github.com/o/r?branch=main#0123456789abcdef0123456789abcdef01234567",
			want: sbom.Source{Kind: sbom.SourceGit, URL: "https://github.com/o/r", Rev: "0123456789abcdef0123456789abcdef01234567"},
		},
		{id: "git+https://token@github.com/o/r#abc", want: sbom.Source{Kind: sbom.SourceGit, URL: "https://github.com/o/r", Rev: "abc"}},
		{id: "git+file:///home/me/repo#abc", want: sbom.Source{Kind: sbom.SourceGit, Rev: "abc"}},
		{id: "path+file:///home/me/ws/crate", want: sbom.Source{Kind: sbom.SourcePath}},
		{id: "directory+file:///home/me/vendor", want: sbom.Source{Kind: sbom.SourceRegistry, Label: "directory"}},
		{id: "local-registry+file:///srv/reg", want: sbom.Source{Kind: sbom.SourceRegistry, Label: "local-registry"}},
		{id: "weird", want: sbom.Source{Kind: sbom.SourceUnknown, Label: "weird"}},
		{id: "/abs/path", want: sbom.Source{Kind: sbom.SourceUnknown}},
	}
	for _, tt := range tests {
		if diff := cmp.Diff(tt.want, ParseSource(tt.id)); diff != "" {
			t.Errorf("ParseSource(%q) (-want +got):\n%s", tt.id, diff)
		}
	}
}
