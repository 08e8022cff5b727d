// Package sigstack runs a real Sigstore on 127.0.0.1 for tests: the OIDC issuers the tests control (an
// email-type one, a GitHub-Actions-shaped one and a GitLab-CI-shaped one, whose tokens carry the claim names of
// the real services and which Fulcio turns into certificates with the same CI extensions), Fulcio (ephemeral CA, no CT log), a timestamp authority
// (in-memory signer) and a Rekor v2 log (rekor-tiles on POSIX storage), with the trusted_root.json and
// signing_config.json that describe them.
//
// The timestamp server's metrics listener is fixed at :2112 on all interfaces, so one stack can run per host:
// start it once per test binary, from TestMain.
package sigstack

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	prototrustroot "github.com/sigstore/protobuf-specs/gen/pb-go/trustroot/v1"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore/pkg/cryptoutils"
)

// Tools are the service programs to run.
type Tools struct {
	Fulcio, TimestampServer, RekorPOSIX string
}

// Stack is a running Sigstore.
type Stack struct {
	Dir string
	// EmailIssuer, GitHubIssuer and GitLabIssuer are the OIDC issuers' URLs, as Fulcio trusts them.
	EmailIssuer, GitHubIssuer   string
	GitLabIssuer                string
	FulcioURL, RekorURL, TSAURL string
	// TrustedRoot and SigningConfig are the paths of trusted_root.json and signing_config.json.
	TrustedRoot, SigningConfig string

	oidc    *http.Server
	oidcKey *ecdsa.PrivateKey
	procs   []*proc
	logs    []*os.File
	mu      sync.Mutex
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// Start brings the stack up in dir (a temporary directory the caller removes).
func Start(ctx context.Context, dir string, tools Tools) (s *Stack, err error) {
	s = &Stack{Dir: dir}
	defer func() {
		if err != nil {
			s.Stop()
		}
	}()
	if err := s.startOIDC(); err != nil {
		return s, err
	}
	// The timestamp authority.
	tsaPort, _ := freePort()
	s.TSAURL = fmt.Sprintf("http://127.0.0.1:%d/api/v1/timestamp", tsaPort)
	tsa, err := s.run(tools.TimestampServer, "tsa", "serve", "--host", "127.0.0.1", "--port", fmt.Sprint(tsaPort),
		"--timestamp-signer", "memory", "--disable-ntp-monitoring")
	if err != nil {
		return s, err
	}
	// The Rekor v2 log, with a P-256 key of ours.
	rekorKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return s, err
	}
	der, _ := x509.MarshalPKCS8PrivateKey(rekorKey)
	keyPath := filepath.Join(dir, "rekor-key.pem")
	if err := os.WriteFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), 0o600); err != nil {
		return s, err
	}
	httpPort, _ := freePort()
	grpcPort, _ := freePort()
	metricsPort, _ := freePort()
	s.RekorURL = fmt.Sprintf("http://127.0.0.1:%d", httpPort)
	rekor, err := s.run(tools.RekorPOSIX, "rekor", "serve", "--hostname", "127.0.0.1", "--http-address", "127.0.0.1",
		"--http-port", fmt.Sprint(httpPort), "--grpc-address", "127.0.0.1", "--grpc-port", fmt.Sprint(grpcPort),
		"--http-metrics-port", fmt.Sprint(metricsPort), "--storage-dir", filepath.Join(dir, "rekor"),
		"--signer-filepath", keyPath, "--checkpoint-interval", "1s")
	if err != nil {
		return s, err
	}
	// Fulcio, trusting our issuers.
	fulcioConfig := filepath.Join(dir, "fulcio.json")
	if err := os.WriteFile(fulcioConfig, s.fulcioConfig(), 0o644); err != nil {
		return s, err
	}
	fPort, _ := freePort()
	fgPort, _ := freePort()
	fmPort, _ := freePort()
	s.FulcioURL = fmt.Sprintf("http://127.0.0.1:%d", fPort)
	fulcio, err := s.run(tools.Fulcio, "fulcio", "serve", "--ca", "ephemeralca", "--ct-log-url=", "--config-path", fulcioConfig,
		"--host", "127.0.0.1", "--port", fmt.Sprint(fPort), "--grpc-host", "127.0.0.1", "--grpc-port", fmt.Sprint(fgPort),
		"--metrics-port", fmt.Sprint(fmPort))
	if err != nil {
		return s, err
	}

	start := time.Now().Add(-time.Minute)
	tsaChain, err := waitFor(ctx, s.TSAURL+"/certchain", tsa.exited)
	// The timestamp server's metrics listener is fixed at :2112: while another test binary's stack holds it (two
	// packages tested at once), this one exits at start. Wait for the port, a few minutes at most.
	for deadline := time.Now().Add(3 * time.Minute); err != nil && tsa.hasExited() && time.Now().Before(deadline); {
		select {
		case <-ctx.Done():
			return s, ctx.Err()
		case <-time.After(2 * time.Second):
		}
		if tsa, err = s.run(tools.TimestampServer, "tsa", "serve", "--host", "127.0.0.1", "--port", fmt.Sprint(tsaPort),
			"--timestamp-signer", "memory", "--disable-ntp-monitoring"); err != nil {
			return s, err
		}
		tsaChain, err = waitFor(ctx, s.TSAURL+"/certchain", tsa.exited)
	}
	if err != nil {
		return s, fmt.Errorf("timestamp authority: %w (log %s)", err, s.logPath("tsa"))
	}
	if _, err := waitFor(ctx, s.RekorURL+"/healthz", rekor.exited); err != nil {
		return s, fmt.Errorf("rekor: %w (log %s)", err, s.logPath("rekor"))
	}
	fulcioRoot, err := waitFor(ctx, s.FulcioURL+"/api/v1/rootCert", fulcio.exited)
	if err != nil {
		return s, fmt.Errorf("fulcio: %w (log %s)", err, s.logPath("fulcio"))
	}
	if err := s.writeTrustedRoot(fulcioRoot, tsaChain, &rekorKey.PublicKey, start); err != nil {
		return s, err
	}
	if err := s.writeSigningConfig(start); err != nil {
		return s, err
	}
	return s, nil
}

func (s *Stack) logPath(name string) string { return filepath.Join(s.Dir, name+".log") }

func (s *Stack) run(bin, name string, args ...string) (*proc, error) {
	if bin == "" {
		return nil, fmt.Errorf("%s: no program", name)
	}
	log, err := os.Create(s.logPath(name))
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = log, log
	cmd.Dir = s.Dir
	if err := cmd.Start(); err != nil {
		log.Close()
		return nil, fmt.Errorf("starting %s: %w", name, err)
	}
	p := &proc{cmd: cmd, exited: make(chan struct{})}
	go func() {
		cmd.Wait()
		close(p.exited)
	}()
	s.procs = append(s.procs, p)
	s.logs = append(s.logs, log)
	return p, nil
}

// waitFor polls a URL until it answers 200, and returns the body.
// proc is a running service; exited is closed when it ends.
type proc struct {
	cmd    *exec.Cmd
	exited chan struct{}
}

func (p *proc) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// waitFor polls url until it answers 200, the service exits (a port taken between choosing and binding it, say),
// or a minute passes.
func waitFor(ctx context.Context, url string, exited <-chan struct{}) ([]byte, error) {
	deadline := time.Now().Add(60 * time.Second)
	var last error
	for time.Now().Before(deadline) {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		resp, err := http.DefaultClient.Do(req)
		if err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return body, nil
			}
			last = fmt.Errorf("%s: %s", url, resp.Status)
		} else {
			last = err
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-exited:
			return nil, fmt.Errorf("exited before answering %s", url)
		case <-time.After(100 * time.Millisecond):
		}
	}
	return nil, fmt.Errorf("not ready: %v", last)
}

// Stop ends the services and the issuers.
func (s *Stack) Stop() {
	for _, p := range s.procs {
		p.cmd.Process.Kill()
		<-p.exited
	}
	for _, l := range s.logs {
		l.Close()
	}
	if s.oidc != nil {
		s.oidc.Close()
	}
}

// --- OIDC issuers ---------------------------------------------------------------------------------------------

func (s *Stack) startOIDC() error {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	s.oidcKey = key
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	base := "http://" + l.Addr().String()
	s.EmailIssuer, s.GitHubIssuer, s.GitLabIssuer = base+"/email", base+"/github", base+"/gitlab"
	jwks := jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "test", Algorithm: string(jose.ES256), Use: "sig"}}}
	mux := http.NewServeMux()
	for _, iss := range []string{s.EmailIssuer, s.GitHubIssuer, s.GitLabIssuer} {
		path := strings.TrimPrefix(iss, base)
		mux.HandleFunc(path+"/.well-known/openid-configuration", func(w http.ResponseWriter, _ *http.Request) {
			json.NewEncoder(w).Encode(map[string]any{
				"issuer": iss, "jwks_uri": iss + "/jwks", "response_types_supported": []string{"id_token"},
				"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"ES256"},
				"authorization_endpoint": iss + "/auth", "token_endpoint": iss + "/token",
			})
		})
		mux.HandleFunc(path+"/jwks", func(w http.ResponseWriter, _ *http.Request) { json.NewEncoder(w).Encode(jwks) })
	}
	s.oidc = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go s.oidc.Serve(l)
	return nil
}

// Token signs an identity token of an issuer with the given claims (iss, iat, nbf and exp are added; aud is
// "sigstore" unless given).
func (s *Stack) Token(issuer string, claims map[string]any) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: s.oidcKey}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "test"))
	if err != nil {
		return "", err
	}
	now := time.Now()
	all := map[string]any{"iss": issuer, "iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(10 * time.Minute).Unix(), "aud": "sigstore"}
	for k, v := range claims {
		all[k] = v
	}
	return jwt.Signed(signer).Claims(all).Serialize()
}

// EmailToken is a token of the email issuer for a verified address.
func (s *Stack) EmailToken(email string) (string, error) {
	return s.Token(s.EmailIssuer, map[string]any{"sub": email, "email": email, "email_verified": true})
}

// GitHubToken is a token shaped like GitHub Actions': a release workflow of repo at ref, run on a GitHub-hosted
// runner, which signs itself (its job runs the workflow file, not a reusable workflow).
func (s *Stack) GitHubToken(repo, ref, workflowFile string) (string, error) {
	return s.GitHubJobToken(GitHubJob{Repo: repo, Ref: ref, Workflow: workflowFile})
}

// GitHubJob describes a GitHub Actions job, for its identity token.
type GitHubJob struct {
	// Repo (owner/name), Ref (refs/tags/v1) and Workflow (the file under .github/workflows) are the run's: the
	// top-level workflow, which the certificate's Build Config URI names.
	Repo, Ref, Workflow string
	// JobWorkflowRef is the workflow the job runs, OWNER/REPO/.github/workflows/FILE@REF: the reusable workflow a
	// job calls, which signs (the certificate's SAN and Build Signer URI). Empty: the top-level workflow.
	JobWorkflowRef string
	// Sha is the commit built (default 0123...).
	Sha string
	// RunnerEnvironment is github-hosted (default) or self-hosted.
	RunnerEnvironment string
	// EventName is what started the run (default push).
	EventName string
}

// GitHubJobToken is a token with GitHub Actions' claims for a job.
func (s *Stack) GitHubJobToken(j GitHubJob) (string, error) {
	owner, _, _ := strings.Cut(j.Repo, "/")
	wf := j.Repo + "/.github/workflows/" + j.Workflow + "@" + j.Ref
	jobWF := j.JobWorkflowRef
	if jobWF == "" {
		jobWF = wf
	}
	sha := or(j.Sha, "0123456789abcdef0123456789abcdef01234567")
	refType := "branch"
	if strings.HasPrefix(j.Ref, "refs/tags/") {
		refType = "tag"
	}
	return s.Token(s.GitHubIssuer, map[string]any{
		"sub": "repo:" + j.Repo + ":ref:" + j.Ref, "repository": j.Repo, "repository_owner": owner, "repository_id": "1001",
		"repository_owner_id": "2002", "repository_visibility": "public", "ref": j.Ref, "ref_type": refType,
		"sha": sha, "workflow": "Release", "workflow_ref": wf,
		"workflow_sha": sha, "job_workflow_ref": jobWF,
		"job_workflow_sha": "fedcba9876543210fedcba9876543210fedcba98", "event_name": or(j.EventName, "push"), "run_id": "42",
		"run_attempt": "1", "runner_environment": or(j.RunnerEnvironment, "github-hosted"),
	})
}

// GitLabJob describes a GitLab CI job, for its identity token.
type GitLabJob struct {
	// Host (gitlab.com) and ProjectPath (group/project) name the project; ConfigPath is its pipeline definition
	// (.gitlab-ci.yml); Ref is the branch or tag name, Tag says which.
	Host, ProjectPath, ConfigPath, Ref string
	Tag                                bool
	// Sha is the commit built; RunnerEnvironment is gitlab-hosted (default) or self-hosted.
	Sha, RunnerEnvironment string
	JobID                  string
}

// GitLabJobToken is a token with GitLab CI's claims (id_tokens) for a job.
func (s *Stack) GitLabJobToken(j GitLabJob) (string, error) {
	host := or(j.Host, "gitlab.com")
	ns, _, _ := strings.Cut(j.ProjectPath, "/")
	refType, refPath := "branch", "refs/heads/"+j.Ref
	if j.Tag {
		refType, refPath = "tag", "refs/tags/"+j.Ref
	}
	sha := or(j.Sha, "0123456789abcdef0123456789abcdef01234567")
	return s.Token(s.GitLabIssuer, map[string]any{
		"sub": "project_path:" + j.ProjectPath + ":ref_type:" + refType + ":ref:" + j.Ref, "namespace_id": "84",
		"namespace_path": ns, "project_id": "56", "project_path": j.ProjectPath, "user_id": "20", "user_login": "maintainer",
		"pipeline_id": "99", "pipeline_source": "push", "job_id": or(j.JobID, "7"), "ref": j.Ref, "ref_type": refType,
		"ref_path": refPath, "ref_protected": "true", "runner_id": 12, "runner_environment": or(j.RunnerEnvironment, "gitlab-hosted"),
		"sha": sha, "project_visibility": "public",
		"ci_config_ref_uri": host + "/" + j.ProjectPath + "//" + or(j.ConfigPath, ".gitlab-ci.yml") + "@" + refPath,
		"ci_config_sha":     sha,
	})
}

func or(v, d string) string {
	if v == "" {
		return d
	}
	return v
}

func (s *Stack) fulcioConfig() []byte {
	cfg := map[string]any{
		"OIDCIssuers": map[string]any{
			s.EmailIssuer:  map[string]any{"IssuerURL": s.EmailIssuer, "ClientID": "sigstore", "Type": "email"},
			s.GitHubIssuer: map[string]any{"IssuerURL": s.GitHubIssuer, "ClientID": "sigstore", "Type": "ci-provider", "CIProvider": "github-workflow"},
			s.GitLabIssuer: map[string]any{"IssuerURL": s.GitLabIssuer, "ClientID": "sigstore", "Type": "ci-provider", "CIProvider": "gitlab-pipeline"},
		},
		"CIIssuerMetadata": map[string]any{
			"github-workflow": map[string]any{
				"DefaultTemplateValues": map[string]string{"url": "https://github.com", "environment": ""},
				"ExtensionTemplates": map[string]string{
					"GithubWorkflowTrigger": "event_name", "GithubWorkflowSHA": "sha", "GithubWorkflowName": "workflow",
					"GithubWorkflowRepository": "repository", "GithubWorkflowRef": "ref",
					"BuildSignerURI": "{{ .url }}/{{ .job_workflow_ref }}", "BuildSignerDigest": "job_workflow_sha",
					"RunnerEnvironment": "runner_environment", "SourceRepositoryURI": "{{ .url }}/{{ .repository }}",
					"SourceRepositoryDigest": "sha", "SourceRepositoryRef": "ref", "SourceRepositoryIdentifier": "repository_id",
					"SourceRepositoryOwnerURI": "{{ .url }}/{{ .repository_owner }}", "SourceRepositoryOwnerIdentifier": "repository_owner_id",
					"BuildConfigURI": "{{ .url }}/{{ .workflow_ref }}", "BuildConfigDigest": "workflow_sha", "BuildTrigger": "event_name",
					"RunInvocationURI":                    "{{ .url }}/{{ .repository }}/actions/runs/{{ .run_id }}/attempts/{{ .run_attempt }}",
					"SourceRepositoryVisibilityAtSigning": "repository_visibility",
				},
				"SubjectAlternativeNameTemplate": "{{ .url }}/{{ .job_workflow_ref }}",
			},
			// As Fulcio's own configuration for gitlab.com.
			"gitlab-pipeline": map[string]any{
				"DefaultTemplateValues": map[string]string{"url": "https://gitlab.com"},
				"ExtensionTemplates": map[string]string{
					"BuildSignerURI": "https://{{ .ci_config_ref_uri }}", "BuildSignerDigest": "ci_config_sha",
					"RunnerEnvironment": "runner_environment", "SourceRepositoryURI": "{{ .url }}/{{ .project_path }}",
					"SourceRepositoryDigest":     "sha",
					"SourceRepositoryRef":        "refs/{{if eq .ref_type \"branch\"}}heads/{{ else }}tags/{{end}}{{ .ref }}",
					"SourceRepositoryIdentifier": "project_id", "SourceRepositoryOwnerURI": "{{ .url }}/{{ .namespace_path }}",
					"SourceRepositoryOwnerIdentifier": "namespace_id", "BuildConfigURI": "https://{{ .ci_config_ref_uri }}",
					"BuildConfigDigest": "ci_config_sha", "BuildTrigger": "pipeline_source",
					"RunInvocationURI":                    "{{ .url }}/{{ .project_path }}/-/jobs/{{ .job_id }}",
					"SourceRepositoryVisibilityAtSigning": "project_visibility",
				},
				"SubjectAlternativeNameTemplate": "https://{{ .ci_config_ref_uri }}",
			},
		},
	}
	b, _ := json.Marshal(cfg)
	return b
}

// --- trust ----------------------------------------------------------------------------------------------------

func parseChain(pemBytes []byte) ([]*x509.Certificate, error) {
	certs, err := cryptoutils.UnmarshalCertificatesFromPEM(pemBytes)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return nil, errors.New("empty certificate chain")
	}
	return certs, nil
}

// writeTrustedRoot describes the running services in trusted_root.json.
func (s *Stack) writeTrustedRoot(fulcioPEM, tsaPEM []byte, rekorPub *ecdsa.PublicKey, start time.Time) error {
	fulcio, err := parseChain(fulcioPEM)
	if err != nil {
		return fmt.Errorf("fulcio root: %w", err)
	}
	tsa, err := parseChain(tsaPEM)
	if err != nil {
		return fmt.Errorf("tsa chain: %w", err)
	}
	ca := &root.FulcioCertificateAuthority{Root: fulcio[len(fulcio)-1], Intermediates: fulcio[:len(fulcio)-1], ValidityPeriodStart: start, URI: s.FulcioURL}
	if len(tsa) < 2 {
		return errors.New("tsa chain: want a leaf and a root")
	}
	ta := &root.SigstoreTimestampingAuthority{Root: tsa[len(tsa)-1], Leaf: tsa[0], Intermediates: tsa[1 : len(tsa)-1], ValidityPeriodStart: start, URI: s.TSAURL}
	der, err := x509.MarshalPKIXPublicKey(rekorPub)
	if err != nil {
		return err
	}
	id := sha256.Sum256(der)
	logs := map[string]*root.TransparencyLog{fmt.Sprintf("%x", id[:]): {
		BaseURL: s.RekorURL, ID: id[:], ValidityPeriodStart: start, HashFunc: crypto.SHA256, PublicKey: rekorPub, SignatureHashFunc: crypto.SHA256,
	}}
	tr, err := root.NewTrustedRoot(root.TrustedRootMediaType01, []root.CertificateAuthority{ca}, nil, []root.TimestampingAuthority{ta}, logs)
	if err != nil {
		return err
	}
	b, err := tr.MarshalJSON()
	if err != nil {
		return err
	}
	s.TrustedRoot = filepath.Join(s.Dir, "trusted_root.json")
	return os.WriteFile(s.TrustedRoot, b, 0o644)
}

// writeSigningConfig names the running services in signing_config.json (v0.2, Rekor v2).
func (s *Stack) writeSigningConfig(start time.Time) error {
	svc := func(url string, version uint32) root.Service {
		return root.Service{URL: url, MajorAPIVersion: version, ValidityPeriodStart: start, Operator: "ferroseal tests"}
	}
	sc, err := root.NewSigningConfig(root.SigningConfigMediaType02,
		[]root.Service{svc(s.FulcioURL, 1)},
		[]root.Service{svc(s.EmailIssuer, 1)},
		[]root.Service{svc(s.RekorURL, 2)},
		root.ServiceConfiguration{Selector: prototrustroot.ServiceSelector_ANY},
		[]root.Service{svc(s.TSAURL, 1)},
		root.ServiceConfiguration{Selector: prototrustroot.ServiceSelector_ANY},
	)
	if err != nil {
		return err
	}
	b, err := sc.MarshalJSON()
	if err != nil {
		return err
	}
	s.SigningConfig = filepath.Join(s.Dir, "signing_config.json")
	return os.WriteFile(s.SigningConfig, b, 0o644)
}
