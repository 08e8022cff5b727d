package attest

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"regexp/syntax"
	"strings"
	"sync"
	"time"

	"github.com/sigstore/sigstore-go/pkg/fulcio/certificate"
	"github.com/sigstore/sigstore-go/pkg/root"
	"github.com/sigstore/sigstore-go/pkg/sign"
	"github.com/sigstore/sigstore-go/pkg/verify"

	"github.com/ferroseal/ferroseal/internal/limits"
)

// Public-good Sigstore, the default when no service is named.
const (
	PublicFulcioURL = "https://fulcio.sigstore.dev"
	PublicRekorURL  = "https://rekor.sigstore.dev"
	PublicTSAURL    = "https://timestamp.sigstore.dev/api/v1/timestamp"
)

// ErrKeyless is wrapped by errors in keyless signing options.
var ErrKeyless = errors.New("keyless signing")

// KeylessOptions say where to get a certificate, log entries and timestamps for keyless signing.
type KeylessOptions struct {
	// IDToken is the OIDC identity token Fulcio certifies.
	IDToken string
	// FulcioURL, RekorURLs (with RekorVersion 1 or 2) and TSAURLs name the services. SigningConfig, when set,
	// names them instead (a signing_config.json).
	FulcioURL    string
	RekorURLs    []string
	RekorVersion uint32
	TSAURLs      []string
	// SigningConfig is a parsed signing_config.json; it chooses the services that are valid now.
	SigningConfig *root.SigningConfig
	// TrustedMaterial verifies the new bundle before it is written (a trusted_root.json). Required.
	TrustedMaterial root.TrustedMaterial
	// Timeout bounds each network call (default 30 s).
	Timeout time.Duration
}

// KeylessSignOptions turns keyless options into signing options: an ephemeral ECDSA P-256 key certified by
// Fulcio, log entries, timestamps. It refuses combinations that cannot give a verifiable bundle: no timestamp source
// (a Rekor v2 log gives no time; only a v1 log's integrated time or a TSA prove when the short-lived certificate
// was valid), or no trusted material to check the bundle before it is written.
func KeylessSignOptions(o KeylessOptions) (SignOptions, error) {
	if strings.TrimSpace(o.IDToken) == "" {
		return SignOptions{}, fmt.Errorf("%w: no identity token", ErrKeyless)
	}
	if o.TrustedMaterial == nil {
		return SignOptions{}, fmt.Errorf("%w: a trusted root is needed to verify the bundle before it is written", ErrKeyless)
	}
	timeout := o.Timeout
	if timeout == 0 {
		timeout = 30 * time.Second
	}
	if sc := o.SigningConfig; sc != nil {
		now := time.Now()
		ca, err := root.SelectService(sc.FulcioCertificateAuthorityURLs(), sign.FulcioAPIVersions, now)
		if err != nil {
			return SignOptions{}, fmt.Errorf("%w: signing config: certificate authority: %v", ErrKeyless, err)
		}
		o.FulcioURL = ca.URL
		o.RekorURLs, o.TSAURLs = nil, nil
		if logs, err := root.SelectServices(sc.RekorLogURLs(), sc.RekorLogURLsConfig(), sign.RekorAPIVersions, now); err == nil {
			for _, l := range logs {
				o.RekorURLs = append(o.RekorURLs, l.URL)
				o.RekorVersion = l.MajorAPIVersion
			}
		}
		if tsas, err := root.SelectServices(sc.TimestampAuthorityURLs(), sc.TimestampAuthorityURLsConfig(), sign.TimestampAuthorityAPIVersions, now); err == nil {
			for _, t := range tsas {
				o.TSAURLs = append(o.TSAURLs, t.URL)
			}
		}
	}
	if o.FulcioURL == "" {
		return SignOptions{}, fmt.Errorf("%w: no Fulcio URL", ErrKeyless)
	}
	if len(o.RekorURLs) > 0 && o.RekorVersion != 1 && o.RekorVersion != 2 {
		return SignOptions{}, fmt.Errorf("%w: Rekor API version %d (want 1 or 2)", ErrKeyless, o.RekorVersion)
	}
	if len(o.TSAURLs) == 0 && (len(o.RekorURLs) == 0 || o.RekorVersion == 2) {
		return SignOptions{}, fmt.Errorf("%w: no timestamp source: give a timestamp authority (a Rekor v2 log records no time)", ErrKeyless)
	}
	kp, err := sign.NewEphemeralKeypair(nil) // ECDSA P-256: Rekor v2 does not take pure Ed25519
	if err != nil {
		return SignOptions{}, err
	}
	opts := SignOptions{
		Keypair:                    kp,
		CertificateProvider:        &cachedCertificate{inner: sign.NewFulcio(&sign.FulcioOptions{BaseURL: o.FulcioURL, Timeout: timeout, Retries: 1})},
		CertificateProviderOptions: &sign.CertificateProviderOptions{IDToken: o.IDToken},
		TrustedMaterial:            o.TrustedMaterial,
	}
	for _, u := range o.RekorURLs {
		opts.TransparencyLogs = append(opts.TransparencyLogs, sign.NewRekor(&sign.RekorOptions{BaseURL: u, Timeout: timeout, Retries: 1, Version: o.RekorVersion}))
	}
	for _, u := range o.TSAURLs {
		opts.TimestampAuthorities = append(opts.TimestampAuthorities, sign.NewTimestampAuthority(&sign.TimestampAuthorityOptions{URL: u, Timeout: timeout, Retries: 1}))
	}
	return opts, nil
}

// cachedCertificate asks its certificate authority once for a certificate of the run's key, and gives that one
// until it nears its end: every bundle of a run carries the same certificate, and the run can know the identity it
// signs with before it signs (SignerCertificate). Fulcio's certificates live ten minutes; one with less than
// renewBefore left is replaced.
type cachedCertificate struct {
	inner    sign.CertificateProvider
	mu       sync.Mutex
	der      []byte
	key      sign.Keypair
	notAfter time.Time
}

const renewBefore = 3 * time.Minute

func (c *cachedCertificate) GetCertificate(ctx context.Context, kp sign.Keypair, opts *sign.CertificateProviderOptions) ([]byte, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.der != nil && c.key == kp && time.Until(c.notAfter) > renewBefore {
		return c.der, nil
	}
	der, err := c.inner.GetCertificate(ctx, kp, opts)
	if err != nil {
		return nil, err
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: the certificate authority's answer: %v", ErrKeyless, err)
	}
	c.der, c.key, c.notAfter = der, kp, cert.NotAfter
	return der, nil
}

// SignerCertificate returns what keyless signing with opts certifies: the certificate its key gets from the
// certificate authority (asked now, and then reused by the signatures), summarised: the identity and, for a CI
// job, the workflow that holds it (Build Signer URI), the source and the runner. For a key it returns nil.
func SignerCertificate(ctx context.Context, opts SignOptions) (*certificate.Summary, error) {
	if opts.CertificateProvider == nil {
		return nil, nil
	}
	der, err := opts.CertificateProvider.GetCertificate(ctx, opts.Keypair, opts.CertificateProviderOptions)
	if err != nil {
		return nil, fmt.Errorf("%w: getting a certificate: %v", ErrSign, err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("%w: the certificate: %v", ErrSign, err)
	}
	sum, err := certificate.SummarizeCertificate(cert)
	if err != nil {
		return nil, fmt.Errorf("%w: the certificate: %v", ErrSign, err)
	}
	return &sum, nil
}

// Where an identity token came from.
const (
	TokenFromGitHubActions = "GitHub Actions"
	TokenFromGitLab        = "GitLab CI (SIGSTORE_ID_TOKEN)"
)

// AmbientToken finds the identity token of the CI job: GitHub Actions' OIDC endpoint (ACTIONS_ID_TOKEN_REQUEST_URL
// and ACTIONS_ID_TOKEN_REQUEST_TOKEN, audience sigstore), or GitLab's SIGSTORE_ID_TOKEN (from the pipeline's
// id_tokens). It returns "" when the environment offers none.
func AmbientToken(ctx context.Context, lookup func(string) (string, bool), client *http.Client) (token, source string, err error) {
	get := func(k string) string {
		v, _ := lookup(k)
		return v
	}
	if u, t := get("ACTIONS_ID_TOKEN_REQUEST_URL"), get("ACTIONS_ID_TOKEN_REQUEST_TOKEN"); u != "" && t != "" {
		tok, err := githubToken(ctx, client, u, t)
		return tok, TokenFromGitHubActions, err
	}
	if t := strings.TrimSpace(get("SIGSTORE_ID_TOKEN")); t != "" {
		return t, TokenFromGitLab, nil
	}
	return "", "", nil
}

func githubToken(ctx context.Context, client *http.Client, requestURL, bearer string) (string, error) {
	u, err := url.Parse(requestURL)
	if err != nil {
		return "", fmt.Errorf("ACTIONS_ID_TOKEN_REQUEST_URL: %w", err)
	}
	q := u.Query()
	q.Set("audience", "sigstore")
	u.RawQuery = q.Encode()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return "", err
	}
	req.Header.Set("Authorization", "Bearer "+bearer)
	if client == nil {
		client = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := client.Do(req)
	if err != nil {
		return "", fmt.Errorf("requesting the GitHub Actions identity token: %w", err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, limits.MaxIdentityTokenSize+1))
	if err != nil {
		return "", err
	}
	if resp.StatusCode != http.StatusOK {
		return "", fmt.Errorf("requesting the GitHub Actions identity token: %s", resp.Status)
	}
	var v struct {
		Value string `json:"value"`
	}
	if err := json.Unmarshal(body, &v); err != nil || v.Value == "" {
		return "", fmt.Errorf("the GitHub Actions token endpoint returned no token")
	}
	return v.Value, nil
}

// ReadToken reads an identity token from a file, bounded.
func ReadToken(path string) (string, error) {
	data, err := readBounded(path, limits.MaxIdentityTokenSize)
	if err != nil {
		return "", err
	}
	return strings.TrimSpace(string(data)), nil
}

// IdentityPolicy is who must have signed a keyless bundle: the certificate's subject (SAN) and OIDC issuer, each
// exact or a regular expression (anchored: it must match the whole value), and CI extensions that must match
// exactly.
type IdentityPolicy struct {
	Identity, IdentityRegexp string
	// SignerWorkflow ([HOST/]OWNER/REPO/PATH, HOST github.com by default) is the CI workflow that signed: the SAN
	// must be https://HOST/OWNER/REPO/PATH@REF, whatever REF. SignerRepo ([HOST/]OWNER/REPO) is its repository:
	// the SAN must be a workflow of it (owner and repository compared regardless of case, as GitHub names them).
	// Each stands for Identity, as gh attestation verify's --signer-workflow and --signer-repo do.
	SignerWorkflow, SignerRepo string
	Issuer, IssuerRegexp       string
	// Extensions that must equal the certificate's: the GitHub workflow repository, ref, name, sha, trigger, ...
	Extensions certificate.Extensions
}

// NewIdentity builds sigstore-go's certificate identity from the policy. sigstore-go searches regular expressions
// unanchored; ferroseal anchors them, so that "foo@example\.com" does not accept "foo@example.com.evil".
func NewIdentity(p IdentityPolicy) (verify.CertificateIdentity, error) {
	given := 0
	for _, v := range []string{p.Identity, p.IdentityRegexp, p.SignerWorkflow, p.SignerRepo} {
		if v != "" {
			given++
		}
	}
	if given != 1 {
		return verify.CertificateIdentity{}, fmt.Errorf("%w: give exactly one of a certificate identity, an identity regexp, a signer workflow and a signer repository", ErrPolicy)
	}
	if p.SignerWorkflow != "" || p.SignerRepo != "" {
		re, host, err := signerRegexp(p.SignerWorkflow, p.SignerRepo)
		if err != nil {
			return verify.CertificateIdentity{}, err
		}
		p.IdentityRegexp = re
		if p.Issuer == "" && p.IssuerRegexp == "" && host == "github.com" {
			p.Issuer = GitHubActionsIssuer
		}
	}
	if (p.Issuer == "") == (p.IssuerRegexp == "") {
		return verify.CertificateIdentity{}, fmt.Errorf("%w: give exactly one of a certificate OIDC issuer and an issuer regexp", ErrPolicy)
	}
	anchor := func(re string) (string, error) {
		if re == "" {
			return "", nil
		}
		// The expression must stand on its own before it is wrapped: "a)|(.*" compiles only once wrapped, and its
		// second branch would then escape the anchors and accept every signer.
		if _, err := syntax.Parse(re, syntax.Perl); err != nil {
			return "", fmt.Errorf("%w: regexp %q: %v", ErrPolicy, re, err)
		}
		a := "^(?:" + re + ")$"
		parsed, err := syntax.Parse(a, syntax.Perl)
		if err != nil {
			return "", fmt.Errorf("%w: regexp %q: %v", ErrPolicy, re, err)
		}
		// And the wrapped expression must be what it says: the text's beginning, the expression, the text's end.
		if parsed.Op != syntax.OpConcat || len(parsed.Sub) < 2 || parsed.Sub[0].Op != syntax.OpBeginText ||
			parsed.Sub[len(parsed.Sub)-1].Op != syntax.OpEndText {
			return "", fmt.Errorf("%w: regexp %q cannot be anchored", ErrPolicy, re)
		}
		if _, err := regexp.Compile(a); err != nil {
			return "", fmt.Errorf("%w: regexp %q: %v", ErrPolicy, re, err)
		}
		return a, nil
	}
	sanRe, err := anchor(p.IdentityRegexp)
	if err != nil {
		return verify.CertificateIdentity{}, err
	}
	issRe, err := anchor(p.IssuerRegexp)
	if err != nil {
		return verify.CertificateIdentity{}, err
	}
	san, err := verify.NewSANMatcher(p.Identity, sanRe)
	if err != nil {
		return verify.CertificateIdentity{}, fmt.Errorf("%w: %v", ErrPolicy, err)
	}
	iss, err := verify.NewIssuerMatcher(p.Issuer, issRe)
	if err != nil {
		return verify.CertificateIdentity{}, fmt.Errorf("%w: %v", ErrPolicy, err)
	}
	id, err := verify.NewCertificateIdentity(san, iss, p.Extensions)
	if err != nil {
		return verify.CertificateIdentity{}, fmt.Errorf("%w: %v", ErrPolicy, err)
	}
	return id, nil
}

// GitHubActionsIssuer is the OIDC issuer of GitHub Actions' identity tokens.
const GitHubActionsIssuer = "https://token.actions.githubusercontent.com"

// signerRegexp turns a signer workflow or repository into the regular expression its SAN must match (before
// anchoring), and names its host.
func signerRegexp(workflow, repo string) (re, host string, err error) {
	v := workflow + repo
	parts := strings.Split(strings.Trim(v, "/"), "/")
	host = "github.com"
	if strings.Contains(parts[0], ".") {
		host, parts = parts[0], parts[1:]
	}
	if strings.ContainsAny(v, "@ \t\n") || len(parts) < 2 || parts[0] == "" || parts[1] == "" || (workflow != "" && len(parts) < 3) || (repo != "" && len(parts) != 2) {
		what := "--signer-repo: want [HOST/]OWNER/REPO"
		if workflow != "" {
			what = "--signer-workflow: want [HOST/]OWNER/REPO/PATH/TO/WORKFLOW"
		}
		return "", "", fmt.Errorf("%w: %s, got %q", ErrPolicy, what, v)
	}
	prefix := "(?i:" + regexp.QuoteMeta("https://"+host+"/"+parts[0]+"/"+parts[1]) + ")"
	if repo != "" {
		return prefix + "/.+", host, nil
	}
	return prefix + regexp.QuoteMeta("/"+strings.Join(parts[2:], "/")) + "@.+", host, nil
}

// LoadTrustedRoot reads a trusted_root.json, offline.
func LoadTrustedRoot(path string) (*root.TrustedRoot, error) {
	data, err := readBounded(path, limits.MaxTrustedRootSize)
	if err != nil {
		return nil, err
	}
	tr, err := root.NewTrustedRootFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tr, nil
}

// LoadSigningConfig reads a signing_config.json, offline.
func LoadSigningConfig(path string) (*root.SigningConfig, error) {
	data, err := readBounded(path, limits.MaxTrustedRootSize)
	if err != nil {
		return nil, err
	}
	sc, err := root.NewSigningConfigFromJSON(data)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return sc, nil
}
