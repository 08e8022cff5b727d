package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"testing"

	"github.com/ferroseal/ferroseal/internal/sigstack"
	"github.com/ferroseal/ferroseal/internal/testenv"
)

// stack is the Sigstore that TestMain starts on 127.0.0.1 when the services are installed; nil otherwise.
var (
	stack    *sigstack.Stack
	stackErr error
)

func TestMain(m *testing.M) {
	code := func() int {
		tools := sigstack.Tools{
			Fulcio:          testenv.FindTool("fulcio"),
			TimestampServer: testenv.FindTool("timestamp-server"),
			RekorPOSIX:      testenv.FindTool("rekor-posix"),
		}
		if tools.Fulcio != "" && tools.TimestampServer != "" && tools.RekorPOSIX != "" {
			// Ports are chosen free, then bound by the services: another program can take one in between, and the
			// service exits. Try again on fresh ports.
			for attempt := 0; attempt < 3 && (attempt == 0 || stackErr != nil); attempt++ {
				dir, err := os.MkdirTemp("", "ferroseal-sigstore-")
				if err != nil {
					stackErr = err
					break
				}
				defer os.RemoveAll(dir)
				stack, stackErr = sigstack.Start(context.Background(), dir, tools)
				if stackErr == nil {
					defer stack.Stop()
				}
			}
		} else {
			stackErr = fmt.Errorf("fulcio, timestamp-server and rekor-posix are not installed: run scripts/install-tools.sh")
		}
		return m.Run()
	}()
	os.Exit(code)
}

// requireStack returns the running Sigstore, or skips (fails under FERROSEAL_REQUIRE_TOOLS=1).
func requireStack(t *testing.T) *sigstack.Stack {
	t.Helper()
	if stack == nil || stackErr != nil {
		testenv.Missing(t, "no Sigstore stack: %v", stackErr)
	}
	return stack
}

// actionsTokenServer serves idToken the way the GitHub Actions runtime does: to a request bearing runtimeToken and
// asking for the sigstore audience. It is closed when the test ends.
func actionsTokenServer(t *testing.T, runtimeToken, idToken string) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+runtimeToken || r.URL.Query().Get("audience") != "sigstore" {
			http.Error(w, "denied", http.StatusForbidden)
			return
		}
		json.NewEncoder(w).Encode(map[string]string{"value": idToken})
	}))
	t.Cleanup(srv.Close)
	return srv
}
