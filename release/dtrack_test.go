package release

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The upload script, run by sh with the real curl against a server that takes Dependency-Track's BOM upload
// (POST /api/v1/bom, multipart): each SBOM arrives as its own project, with the API key, autoCreate, the extra
// options given to the script, and the file's bytes; names chosen to break quoting (quotes, ;type=, commas, $(),
// backticks, a leading @) arrive as they are and run nothing.
func TestDependencyTrackScript(t *testing.T) {
	for _, tool := range []string{"sh", "curl"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed", tool)
		}
	}
	type upload struct{ name, version, key, autoCreate, isLatest, parent, bom string }
	var (
		mu  sync.Mutex
		got []upload
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/api/v1/bom" {
			http.Error(w, "not found", http.StatusNotFound)
			return
		}
		if err := r.ParseMultipartForm(1 << 20); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		f, _, err := r.FormFile("bom")
		if err != nil {
			http.Error(w, "no bom", http.StatusBadRequest)
			return
		}
		data, _ := io.ReadAll(f)
		mu.Lock()
		got = append(got, upload{r.FormValue("projectName"), r.FormValue("projectVersion"), r.Header.Get("X-Api-Key"),
			r.FormValue("autoCreate"), r.FormValue("isLatest"), r.FormValue("parentName"), string(data)})
		mu.Unlock()
		io.WriteString(w, `{"token":"00000000-0000-0000-0000-000000000000"}`)
	}))
	defer srv.Close()

	dir := t.TempDir()
	canary := filepath.Join(dir, "ran")
	hostile := `it's "q";type=evil,b\\.cdx $(touch ran) ` + "`touch ran`" // the script runs in dir
	uploads := []dtUpload{
		{file: "ws-app.cdx.json", project: "ws-app", version: "0.3.1"},
		{file: hostile + ".cdx.json", project: "@" + hostile, version: "1.0;type=x"},
		{file: "tools.tar.gz.cdx.json", project: "tools.tar.gz"},
	}
	for _, u := range uploads {
		if err := os.WriteFile(filepath.Join(dir, u.file), []byte(`{"bomFormat":"CycloneDX","for":"`+u.project+`"}`), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	script := filepath.Join(dir, DependencyTrackScript)
	os.WriteFile(script, dependencyTrackScript(uploads), 0o755)

	cmd := exec.Command("sh", script, "-F", "isLatest=true", "--form-string", "parentName=fleet")
	cmd.Dir = t.TempDir() // the script finds its SBOMs next to itself
	cmd.Env = append(os.Environ(), "DT_URL="+srv.URL, "DT_API_KEY=odt_secret")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v\n%s", err, out)
	}
	if _, err := os.Stat(canary); err == nil {
		t.Fatal("a name ran a command")
	}
	if len(got) != len(uploads) {
		t.Fatalf("%d uploads, want %d: %+v", len(got), len(uploads), got)
	}
	for i, u := range uploads {
		want := upload{u.project, u.version, "odt_secret", "true", "true", "fleet", `{"bomFormat":"CycloneDX","for":"` + u.project + `"}`}
		if got[i] != want {
			t.Errorf("upload %d:\n got %+v\nwant %+v", i, got[i], want)
		}
	}

	// Without the server's address or key it stops before any upload, saying which is missing.
	cmd = exec.Command("sh", script)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "DT_API_KEY=k"}
	if out, err := cmd.CombinedOutput(); err == nil || !strings.Contains(string(out), "DT_URL") {
		t.Errorf("no DT_URL: %v %s", err, out)
	}
}
