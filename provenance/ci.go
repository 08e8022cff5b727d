package provenance

import (
	"net/url"
	"runtime"
	"strings"

	"github.com/ferroseal/ferroseal/internal/repourl"
)

// CI describes where a build ran: the builder, the invocation, and CI facts users do not control.
type CI struct {
	// System is "github-actions", "gitlab-ci" or "local".
	System string
	// BuilderID is runDetails.builder.id.
	BuilderID string
	// InvocationID is runDetails.metadata.invocationId: a URL of the run when the CI system has one.
	InvocationID string
	// Internal is buildDefinition.internalParameters.
	Internal map[string]any
	// Source is the checkout as the CI system reports it (repository, ref, commit), when it does.
	Source Source
}

// DetectCI reads the CI system from the environment (the explicit CI readers of this package: GitHub Actions'
// GITHUB_* and RUNNER_* variables, GitLab's CI_* variables). Anything else is a local build, which says so.
func DetectCI(lookup func(string) (string, bool)) CI {
	get := func(k string) string {
		v, _ := lookup(k)
		return v
	}
	switch {
	case get("GITHUB_ACTIONS") == "true" && get("GITHUB_REPOSITORY") != "":
		server := strings.TrimSuffix(firstNonEmpty(get("GITHUB_SERVER_URL"), "https://github.com"), "/")
		repo := get("GITHUB_REPOSITORY")
		ci := CI{
			System:    "github-actions",
			BuilderID: server + "/" + firstNonEmpty(get("GITHUB_WORKFLOW_REF"), repo+"/.github/workflows"),
			Internal: map[string]any{"github": dropEmpty(map[string]any{
				"event_name":          get("GITHUB_EVENT_NAME"),
				"repository_id":       get("GITHUB_REPOSITORY_ID"),
				"repository_owner_id": get("GITHUB_REPOSITORY_OWNER_ID"),
				"workflow_ref":        get("GITHUB_WORKFLOW_REF"),
				"workflow_sha":        get("GITHUB_WORKFLOW_SHA"),
				"run_id":              get("GITHUB_RUN_ID"),
				"run_attempt":         get("GITHUB_RUN_ATTEMPT"),
				"runner_os":           get("RUNNER_OS"),
				"runner_arch":         get("RUNNER_ARCH"),
				"runner_environment":  get("RUNNER_ENVIRONMENT"),
			})},
			Source: Source{URI: "git+" + server + "/" + repo, Ref: get("GITHUB_REF"), Commit: get("GITHUB_SHA")},
		}
		if id := get("GITHUB_RUN_ID"); id != "" {
			ci.InvocationID = server + "/" + repo + "/actions/runs/" + id + "/attempts/" + firstNonEmpty(get("GITHUB_RUN_ATTEMPT"), "1")
		}
		return ci
	case get("GITLAB_CI") == "true" && get("CI_PROJECT_URL") != "":
		project := strings.TrimSuffix(get("CI_PROJECT_URL"), "/")
		ref := ""
		switch {
		case get("CI_COMMIT_TAG") != "":
			ref = "refs/tags/" + get("CI_COMMIT_TAG")
		case get("CI_COMMIT_BRANCH") != "":
			ref = "refs/heads/" + get("CI_COMMIT_BRANCH")
		case get("CI_COMMIT_REF_NAME") != "":
			ref = "refs/heads/" + get("CI_COMMIT_REF_NAME")
		}
		return CI{
			System:       "gitlab-ci",
			BuilderID:    gitlabBuilder(get, project, ref),
			InvocationID: get("CI_JOB_URL"),
			Internal: map[string]any{"gitlab": dropEmpty(map[string]any{
				"server_url":      get("CI_SERVER_URL"),
				"project_id":      get("CI_PROJECT_ID"),
				"pipeline_id":     get("CI_PIPELINE_ID"),
				"pipeline_source": get("CI_PIPELINE_SOURCE"),
				"job_id":          get("CI_JOB_ID"),
				"job_name":        get("CI_JOB_NAME"),
				"runner_id":       get("CI_RUNNER_ID"),
				"runner_version":  get("CI_RUNNER_VERSION"),
				"config_path":     get("CI_CONFIG_PATH"),
			})},
			Source: Source{URI: "git+" + project, Ref: ref, Commit: get("CI_COMMIT_SHA")},
		}
	}
	return CI{
		System:    "local",
		BuilderID: LocalBuilderID,
		Internal:  map[string]any{"local": map[string]any{"os": runtime.GOOS, "arch": runtime.GOARCH}},
	}
}

// gitlabBuilder names a GitLab CI build's builder as GitLab's identity tokens (and the Fulcio certificates made
// from them: the Build Signer URI) name the job: its project's pipeline definition at the ref,
// https://HOST/GROUP/PROJECT//.gitlab-ci.yml@refs/tags/v1. The runner is an internal parameter.
func gitlabBuilder(get func(string) string, project, ref string) string {
	host := get("CI_SERVER_HOST")
	path := get("CI_PROJECT_PATH")
	if u, err := url.Parse(project); err == nil && u.Host != "" {
		host = firstNonEmpty(host, u.Host)
		path = firstNonEmpty(path, strings.Trim(u.Path, "/"))
	}
	return "https://" + host + "/" + path + "//" + firstNonEmpty(get("CI_CONFIG_PATH"), ".gitlab-ci.yml") + "@" + ref
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func dropEmpty(m map[string]any) map[string]any {
	for k, v := range m {
		if v == "" {
			delete(m, k)
		}
	}
	return m
}

// cleanRemote turns a git remote into a git+https URL without credentials: "git@github.com:o/r.git" and
// "https://user:token@github.com/o/r" both become "git+https://github.com/o/r". Local paths give "".
func cleanRemote(remote string) string {
	r, err := repourl.Parse(remote)
	if err != nil {
		return ""
	}
	return r.URL()
}
