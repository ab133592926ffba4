"""GitHub layer: the Actions runner context, and the REST API through PyGithub.

Import the submodule you need; this package imports nothing itself, so `status` and other commands
that never talk to GitHub do not pay for PyGithub (only client/comments/deployments/dispatch import it).

Every expected failure is a `toolkit.errors.ToolkitError` with one line saying what failed and, for
401/403/404, which token permission is missing. The token is never printed.

Public API (signatures are stable; other areas call these):

toolkit.github.context  (pure + file I/O; all of it is safe outside Actions: no-ops or plain prints)
    class ActionsContext(msgspec.Struct, frozen=True):
        in_actions: bool; repository: str | None ("owner/name"); server_url: str; api_url: str;
        run_id: str | None; run_attempt: str | None; sha: str | None; ref: str | None;
        event_name: str | None; pr_number: int | None; head_sha: str | None; base_ref: str | None;
        workspace: str | None
        (sha: the PR's head commit on pull_request events, else GITHUB_SHA)
        .run_url -> str | None        (the log_url for deployment statuses)
    load_context(environ: Mapping[str, str] | None = None) -> ActionsContext
        reads GITHUB_* variables and the event payload at GITHUB_EVENT_PATH (pull_request /
        pull_request_target / issue_comment on a PR / push).
    run_url(server_url: str, repository: str, run_id: str, run_attempt: str | None = None) -> str
    set_output(name: str, value: str) -> bool        multi-line safe (heredoc with a random delimiter)
    set_outputs(values: Mapping[str, str]) -> bool
    append_summary(markdown: str) -> bool            appends to GITHUB_STEP_SUMMARY
    set_env(name: str, value: str) -> bool           appends to GITHUB_ENV (later steps see it)
        (each returns False and does nothing when its GITHUB_* file variable is unset)
    escape_data(text: str) -> str; escape_property(text: str) -> str
    format_command(command: str, message: str = "", **properties) -> str   e.g. "::group::title"
    format_annotation(level: "notice" | "warning" | "error", message: str, *, file: str | None = None,
                      line: int | None = None, end_line: int | None = None, col: int | None = None,
                      end_column: int | None = None, title: str | None = None) -> str
    annotate(level, message, *, file=None, line=None, end_line=None, col=None, end_column=None,
             title=None, stream=None) -> None        prints the annotation line (stdout by default)
    notice(...), warning(...), error(...)             annotate() with the level filled in
    add_mask(value: str) -> None                     "::add-mask::" per line, only inside Actions
    group(title: str) -> ContextManager[None]        ::group:: / ::endgroup:: inside Actions only
    workspace_path(path: str | Path, environ=None) -> str   path relative to GITHUB_WORKSPACE (for file=)

toolkit.github.client
    github_client(token: str | None = None, *, api_url: str | None = None, timeout: float = 10,
                  retries: int = 3, max_rate_limit_wait: float = 60) -> github.Github
        token defaults to GITHUB_TOKEN (then GH_TOKEN); api_url to GITHUB_API_URL (Enterprise),
        else https://api.github.com. Retries rate limits (403/429 with GitHub's signals) and 5xx
        (5xx only for idempotent methods: a POST is never repeated after the server may have done it).
    api_errors(action: str, *, permission: str | None = None, repo: str | None = None)
        -> ContextManager[None]   maps GithubException / connection errors to ToolkitError, e.g.
        "GitHub refused to create a deployment on o/r (403 Resource not accessible by integration):
         the token needs `deployments: write`".

toolkit.github.comments
    class CommentResult(msgspec.Struct, frozen=True): id: int; url: str; created: bool
    plan_marker(environment: str, kind: str = "plan") -> str   "<!-- migrate-action:plan:<env> -->"
    upsert_comment(repo: str, pr_number: int, marker: str, body: str, *, gh: Github | None = None)
        -> CommentResult
        Finds the PR's issue comment whose body starts with `marker` (all pages) and edits it, else
        creates one. The marker is put at the top of the body if the body lacks it. A body longer
        than GitHub's 65,536 characters is refused (ToolkitError): truncate before calling.

toolkit.github.deployments
    class DeploymentInfo(msgspec.Struct, frozen=True): id: int; url: str; environment: str; ref: str; sha: str
    class StatusInfo(msgspec.Struct, frozen=True): id: int; state: str; description: str; log_url: str | None
    DESCRIPTION_LIMIT = 140
    truncate_description(text: str, limit: int = 140) -> str
    create_deployment(repo: str, *, ref: str, environment: str, description: str = "",
                      payload: Mapping[str, Any] | None = None, task: str = "deploy",
                      transient: bool = False, production: bool | None = None,
                      gh: Github | None = None) -> DeploymentInfo
        auto_merge=False, required_contexts=[] (works on any repo, merges nothing).
    set_deployment_status(repo: str, deployment_id: int, state: str, *, description: str = "",
                          log_url: str | None = None, environment_url: str | None = None,
                          auto_inactive: bool | None = None, gh: Github | None = None) -> StatusInfo
        state in: queued, pending, in_progress, success, failure, error, inactive.
    set_commit_status(repo: str, sha: str, state: str, *, context: str, description: str = "",
                      target_url: str | None = None, gh: Github | None = None) -> None
        state in: pending, success, failure, error.

toolkit.github.dispatch
    MAX_INPUTS = 10   (GitHub Enterprise Server's limit; github.com allows 25)
    class AlreadyDispatched(ToolkitError)
    dispatch_workflow(repo: str, workflow_file: str, ref: str, inputs: Mapping[str, str], *,
                      deploy_id: str, gh: Github | None = None) -> None
        workflow_dispatch; refuses (AlreadyDispatched) a second dispatch for the same
        (repo, workflow_file, deploy_id): see dispatch.py for the guard and why.
"""
