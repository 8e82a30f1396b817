export const id = 238;
export const ids = [238];
export const modules = {

/***/ 35238:
/***/ ((__unused_webpack___webpack_module__, __webpack_exports__, __webpack_require__) => {


// EXPORTS
__webpack_require__.d(__webpack_exports__, {
  run: () => (/* binding */ run)
});

// EXTERNAL MODULE: ./node_modules/@actions/core/lib/core.js + 11 modules
var core = __webpack_require__(91659);
// EXTERNAL MODULE: external "node:path"
var external_node_path_ = __webpack_require__(76760);
// EXTERNAL MODULE: ./lib/src/pipeline/index.js + 32 modules
var pipeline = __webpack_require__(9548);
// EXTERNAL MODULE: ./lib/src/shared/document.js
var shared_document = __webpack_require__(28621);
// EXTERNAL MODULE: external "node:os"
var external_node_os_ = __webpack_require__(48161);
// EXTERNAL MODULE: ./node_modules/@actions/github/lib/github.js
var github = __webpack_require__(61351);
// EXTERNAL MODULE: external "node:timers/promises"
var promises_ = __webpack_require__(58500);
;// CONCATENATED MODULE: ./lib/src/github/api.js


/** A GitHub API failure in one readable line (the token never appears in it). */
class GitHubError extends Error {
    status;
    constructor(action, err) {
        const e = err;
        const status = typeof e.status === 'number' ? e.status : null;
        const hint = status === 403 || status === 401
            ? ' (the token cannot write here: a pull request from a fork, or missing `permissions:`)'
            : status === 404
                ? ' (not found, or the token cannot see it)'
                : '';
        super(`GitHub API: ${action} failed: ${status ?? 'network error'} ${(e.message ?? '').split('\n')[0]}${hint}`
            .replace(/\s+/g, ' ')
            .trim());
        this.name = 'GitHubError';
        this.status = status;
    }
}
function client(token) {
    return (0,github/* getOctokit */.Q)(token, { log: { debug: () => { }, info: () => { }, warn: () => { }, error: () => { } } });
}
/** Retries server errors and network failures; client errors (403, 404, 422) are final. */
async function withRetry(action, call, attempts = 3, baseDelayMs = 500) {
    let last;
    for (let i = 0; i < attempts; i++) {
        try {
            return await call();
        }
        catch (err) {
            last = err;
            const status = err.status;
            if (typeof status === 'number' && status < 500 && status !== 429)
                break;
            if (i < attempts - 1)
                await (0,promises_.setTimeout)(baseDelayMs * 2 ** i);
        }
    }
    throw new GitHubError(action, last);
}

;// CONCATENATED MODULE: ./lib/src/github/artifact.js

/** Artifact storage is only reachable from a runner (it hands the runtime token to the job). */
const onRunner = (env) => Boolean(env.ACTIONS_RUNTIME_TOKEN && env.ACTIONS_RESULTS_URL);
/** Uploads the result files as one artifact when on a runner; returns its URL, or null elsewhere. */
async function uploadResults(name, files, rootDir, env = process.env) {
    if (!onRunner(env))
        return null;
    const { DefaultArtifactClient } = await __webpack_require__.e(/* import() */ 645).then(__webpack_require__.bind(__webpack_require__, 9645));
    const res = await new DefaultArtifactClient().uploadArtifact(name, files, rootDir, { retentionDays: 30 });
    const runUrl = env.GITHUB_RUN_ID && env.GITHUB_REPOSITORY
        ? `${env.GITHUB_SERVER_URL ?? 'https://github.com'}/${env.GITHUB_REPOSITORY}/actions/runs/${env.GITHUB_RUN_ID}`
        : null;
    return { id: res.id, url: res.id && runUrl ? `${runUrl}/artifacts/${res.id}` : runUrl };
}
/**
 * Downloads this workflow run's artifacts whose names start with `prefix` (the latest of each name,
 * so a re-run shard replaces its first attempt), each into `dir/<name>`; returns those folders by
 * name, or null off a runner.
 */
async function downloadArtifacts(prefix, dir, env = process.env) {
    if (!onRunner(env))
        return null;
    const { DefaultArtifactClient } = await __webpack_require__.e(/* import() */ 645).then(__webpack_require__.bind(__webpack_require__, 9645));
    const client = new DefaultArtifactClient();
    const { artifacts } = await client.listArtifacts({ latest: true });
    const wanted = artifacts.filter((a) => a.name.startsWith(prefix)).sort((a, b) => a.name.localeCompare(b.name));
    const out = [];
    for (const a of wanted) {
        const path = (0,external_node_path_.join)(dir, a.name.replace(/[^A-Za-z0-9._-]/g, '_'));
        await client.downloadArtifact(a.id, { path });
        out.push({ name: a.name, dir: path });
    }
    return out;
}

// EXTERNAL MODULE: external "node:fs"
var external_node_fs_ = __webpack_require__(73024);
;// CONCATENATED MODULE: ./lib/src/github/baseline-commit.js


/** Commits the baseline through the contents API; returns the pull request or commit URL. */
async function commitBaseline(octokit, c) {
    const content = (0,external_node_fs_.readFileSync)(c.file).toString('base64');
    // Paths and branch names keep their slashes as path segments.
    const segments = (p) => p.split('/').map(encodeURIComponent).join('/');
    let target = c.branch;
    if (c.how === 'pr') {
        const ref = await withRetry('reading the branch', () => octokit.request(`GET /repos/{owner}/{repo}/git/ref/heads/${segments(c.branch)}`, {
            owner: c.owner,
            repo: c.repo,
        }));
        target = `mlload/baseline-${Date.now()}`;
        await withRetry('creating the baseline branch', () => octokit.request('POST /repos/{owner}/{repo}/git/refs', {
            owner: c.owner,
            repo: c.repo,
            ref: `refs/heads/${target}`,
            sha: ref.data.object.sha,
        }));
    }
    let sha;
    try {
        const existing = await octokit.request(`GET /repos/{owner}/{repo}/contents/${segments(c.path)}`, {
            owner: c.owner,
            repo: c.repo,
            ref: target,
        });
        sha = existing.data.sha;
    }
    catch (err) {
        if (err.status !== 404)
            throw new GitHubError('reading the current baseline', err);
    }
    const put = await withRetry('committing the baseline', () => octokit.request(`PUT /repos/{owner}/{repo}/contents/${segments(c.path)}`, {
        owner: c.owner,
        repo: c.repo,
        message: c.message,
        content,
        branch: target,
        ...(sha ? { sha } : {}),
    }));
    if (c.how === 'push')
        return put.data.commit.html_url;
    const pr = await withRetry('opening the baseline pull request', () => octokit.request('POST /repos/{owner}/{repo}/pulls', {
        owner: c.owner,
        repo: c.repo,
        head: target,
        base: c.branch,
        title: c.message,
        body: 'Refreshed by mlload-action (`mode: update-baseline`). Merge it to make these figures the baseline that pull requests are compared with.',
    }));
    return pr.data.html_url;
}

;// CONCATENATED MODULE: ./lib/src/github/comment.js

/** Bots are `name[bot]` in REST and `name` in GraphQL. */
const bare = (login) => login.replace(/\[bot\]$/, '').toLowerCase();
/**
 * Who the token acts as. GraphQL's `viewer` answers for every kind of token (REST's GET /user
 * refuses the job's GITHUB_TOKEN); null when it cannot be told.
 */
async function tokenLogin(octokit) {
    try {
        const answer = await octokit.graphql('query { viewer { login } }');
        return answer.viewer.login || null;
    }
    catch {
        return null;
    }
}
/**
 * Finds, on every page of the PR's comments, the one carrying `marker` that this token wrote: a
 * comment by anyone else that quotes the marker is not ours to overwrite.
 */
async function findComment(octokit, owner, repo, issue, marker, login) {
    if (!login)
        return null;
    const comments = await withRetry('listing the pull request comments', () => octokit.paginate('GET /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner,
        repo,
        issue_number: issue,
        per_page: 100,
    }));
    return (comments.find((c) => c.body?.includes(marker) && c.user?.login && bare(c.user.login) === bare(login)) ?? null);
}
/** One comment per scenario per PR: updated in place when this token wrote it, created otherwise. Returns its URL. */
async function upsertComment(octokit, owner, repo, issue, marker, body, login) {
    const existing = await findComment(octokit, owner, repo, issue, marker, login);
    if (existing) {
        const res = await withRetry('updating the pull request comment', () => octokit.request('PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}', {
            owner,
            repo,
            comment_id: existing.id,
            body,
        }));
        return res.data.html_url;
    }
    const res = await withRetry('creating the pull request comment', () => octokit.request('POST /repos/{owner}/{repo}/issues/{issue_number}/comments', {
        owner,
        repo,
        issue_number: issue,
        body,
    }));
    return res.data.html_url;
}

;// CONCATENATED MODULE: ./lib/src/github/context.js

function readRunContext(env = process.env) {
    const [owner = '', repo = ''] = (env.GITHUB_REPOSITORY ?? '').split('/');
    let pullNumber = null;
    if (env.GITHUB_EVENT_PATH) {
        try {
            const event = JSON.parse((0,external_node_fs_.readFileSync)(env.GITHUB_EVENT_PATH, 'utf8'));
            pullNumber = event.pull_request?.number ?? (event.issue?.pull_request ? (event.issue.number ?? null) : null);
        }
        catch {
            pullNumber = null;
        }
    }
    const server = env.GITHUB_SERVER_URL ?? 'https://github.com';
    return {
        owner,
        repo,
        pullNumber,
        runUrl: env.GITHUB_RUN_ID && owner ? `${server}/${owner}/${repo}/actions/runs/${env.GITHUB_RUN_ID}` : null,
        runId: env.GITHUB_RUN_ID || null,
        branch: env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || null,
    };
}

// EXTERNAL MODULE: ./lib/src/store/index.js + 6 modules
var store = __webpack_require__(42627);
;// CONCATENATED MODULE: ./lib/src/github/history.js



/** The default path of a scenario's history on the history branch. */
function historyPath(scenario) {
    return `history/${scenario.replace(/[^A-Za-z0-9._-]/g, '_')}.json`;
}
function historyLabel(loc) {
    return `${loc.branch}:${loc.path}`;
}
const segments = (p) => p.split('/').map(encodeURIComponent).join('/');
const statusOf = (err) => err.status;
/**
 * The history and the blob it was read from (null, null when the branch or the file does not exist
 * yet). A corrupt file throws InvalidFileError naming the entry: it is neither judged against nor
 * written over.
 */
async function readBranchHistory(octokit, loc) {
    let data;
    try {
        const res = await withRetry('reading the history', () => octokit.request(`GET /repos/{owner}/{repo}/contents/${segments(loc.path)}`, {
            owner: loc.owner,
            repo: loc.repo,
            ref: loc.branch,
        }));
        data = res.data;
    }
    catch (err) {
        if (err instanceof GitHubError && err.status === 404)
            return { history: null, sha: null };
        throw err;
    }
    let base64 = data.encoding === 'base64' ? (data.content ?? '') : '';
    // The contents API leaves files over 1 MB out; the blob API has them (up to 100 MB).
    if (!base64 && (data.size ?? 0) > 0) {
        const blob = await withRetry('reading the history blob', () => octokit.request('GET /repos/{owner}/{repo}/git/blobs/{sha}', { owner: loc.owner, repo: loc.repo, sha: data.sha }));
        base64 = blob.data.content;
    }
    const text = Buffer.from(base64, 'base64').toString('utf8');
    return { history: (0,store/* parseHistory */.i6)(historyLabel(loc), text), sha: data.sha };
}
/**
 * Creates the history branch with no parent (it shares nothing with the code); a branch made meanwhile by another run
 * is fine.
 */
async function ensureBranch(octokit, loc) {
    try {
        await octokit.request(`GET /repos/{owner}/{repo}/git/ref/heads/${segments(loc.branch)}`, {
            owner: loc.owner,
            repo: loc.repo,
        });
        return;
    }
    catch (err) {
        if (statusOf(err) !== 404)
            throw new GitHubError('reading the history branch', err);
    }
    const readme = `# mlload history\n\nRuns of the default branch recorded by mlload-action (\`mode: record\`), one file per scenario under \`history/\`. Written by the action; read by \`compare.against: history\` and by every report's trend. \`mlload history show|export --file <file>\` reads a file locally.\n`;
    const tree = await withRetry('creating the history tree', () => octokit.request('POST /repos/{owner}/{repo}/git/trees', {
        owner: loc.owner,
        repo: loc.repo,
        tree: [{ path: 'README.md', mode: '100644', type: 'blob', content: readme }],
    }));
    const commit = await withRetry('creating the history commit', () => octokit.request('POST /repos/{owner}/{repo}/git/commits', {
        owner: loc.owner,
        repo: loc.repo,
        message: 'mlload: start the history branch',
        tree: tree.data.sha,
        parents: [],
    }));
    try {
        await octokit.request('POST /repos/{owner}/{repo}/git/refs', {
            owner: loc.owner,
            repo: loc.repo,
            ref: `refs/heads/${loc.branch}`,
            sha: commit.data.sha,
        });
    }
    catch (err) {
        // 422: another run created it first.
        if (statusOf(err) !== 422)
            throw new GitHubError('creating the history branch', err);
    }
}
/**
 * Adds to the history on its branch with optimistic concurrency: read the file and its blob, write
 * the new version naming that blob; a write that lost a race (409, or 422 for a stale blob) reads
 * again and retries, so runs racing to record lose no entry.
 */
async function recordToBranch(octokit, loc, update, message, attempts = 8) {
    await ensureBranch(octokit, loc);
    for (let attempt = 1;; attempt++) {
        const { history, sha } = await readBranchHistory(octokit, loc);
        const next = update(history);
        try {
            const put = await withRetry('writing the history', () => octokit.request(`PUT /repos/{owner}/{repo}/contents/${segments(loc.path)}`, {
                owner: loc.owner,
                repo: loc.repo,
                branch: loc.branch,
                message,
                content: Buffer.from((0,store/* formatHistory */.As)(next)).toString('base64'),
                ...(sha ? { sha } : {}),
            }));
            return { history: next, url: put.data.commit?.html_url ?? null };
        }
        catch (err) {
            const status = err instanceof GitHubError ? err.status : statusOf(err);
            if ((status !== 409 && status !== 422) || attempt >= attempts)
                throw err instanceof GitHubError ? err : new GitHubError('writing the history', err);
            // Another run wrote first: back off a little (jittered, so racing runs spread out) and merge again.
            await (0,promises_.setTimeout)(100 * attempt + Math.random() * 200 * attempt);
        }
    }
}

;// CONCATENATED MODULE: ./lib/src/github/publish.js




/**
 * The pull request's one comment for this scenario, posted or updated in place; null when there
 * is none to post. A failing API costs a warning, never the verdict.
 */
async function commentOnPullRequest(c, log) {
    if (c.policy === 'never')
        return null;
    if (!c.ctx.pullNumber) {
        log.info('mlload: not a pull request event: no comment; the report is in the job summary');
        return null;
    }
    if (!c.token) {
        log.warning('mlload: no github-token: cannot comment; the report is in the job summary');
        return null;
    }
    const octokit = client(c.token);
    const { owner, repo, pullNumber } = c.ctx;
    try {
        const login = await tokenLogin(octokit);
        if (!login)
            log.warning('mlload: cannot tell which account the token acts as, so no earlier comment is updated: a new one is posted');
        if (c.policy === 'on-failure' && !c.failed) {
            // Still refresh an earlier failure comment, so it does not go stale.
            const existing = await findComment(octokit, owner, repo, pullNumber, c.marker, login);
            if (!existing)
                return null;
        }
        const url = await upsertComment(octokit, owner, repo, pullNumber, c.marker, c.body, login);
        log.info(`mlload: report posted to ${url}`);
        return url;
    }
    catch (err) {
        const message = err instanceof GitHubError ? err.message : `GitHub API: ${err.message}`;
        log.warning(`mlload: could not comment on the pull request: ${message}. The verdict and the job summary stand.`);
        return null;
    }
}
/**
 * A whole run of the default branch added to the scenario's history on its branch (thinned to
 * `keep` whole runs); the entries kept and the commit that added it.
 */
async function recordRun(token, loc, ctx, results, keep) {
    const commit = process.env.GITHUB_SHA ?? results.environment.commit ?? 'unknown';
    const entry = (0,store/* historyEntry */.xg)(results, { commit, ref: ctx.branch, runUrl: ctx.runUrl });
    const { history, url } = await recordToBranch(client(token), loc, (current) => (0,store/* appendEntry */.D4)(current, results.scenario.name, entry, keep), `mlload: record ${results.scenario.name} at ${commit.slice(0, 12)}`);
    return { entries: history.entries.length, url };
}

;// CONCATENATED MODULE: ./lib/src/github/shards.js

/**
 * Seconds after the workflow run began at which its shards start, by default: time for every matrix job to get a runner
 * and start its target.
 */
const DEFAULT_START_DELAY_S = 120;
/**
 * The instant every shard of this workflow run begins, the same in each job without talking to the
 * others: the run's start (from the REST API) plus `delayS`, rounded up to a whole 10 s. A shard that
 * is ready later starts at once and says how late it was.
 */
async function defaultStartAt(token, ctx, delayS = DEFAULT_START_DELAY_S) {
    if (!token || !ctx.owner || !ctx.runId)
        throw new Error('needs github-token and a workflow run (GITHUB_REPOSITORY, GITHUB_RUN_ID)');
    const octokit = client(token);
    const run = await withRetry('reading the workflow run', () => octokit.rest.actions.getWorkflowRun({ owner: ctx.owner, repo: ctx.repo, run_id: Number(ctx.runId) }));
    const started = Date.parse(run.data.run_started_at ?? run.data.created_at);
    if (!Number.isFinite(started))
        throw new Error('the workflow run has no start time');
    return Math.ceil((started + delayS * 1000) / 10_000) * 10_000;
}

;// CONCATENATED MODULE: ./lib/src/github/index.js
// The github stage: the pull request comment, the results artifact, the baseline commit.









;// CONCATENATED MODULE: ./lib/src/action/host.js





/** The runner's log: warnings are annotations. */
const runnerLog = {
    info: (line) => core/* info */.pq(line),
    warning: (line, title) => core/* warning */.$e(line, title ? { title } : {}),
};
/** Annotations as the runner shows them, on the file's line where there is one. */
function annotate(annotations) {
    for (const a of annotations) {
        const file = a.file ? (0,external_node_path_.relative)(process.cwd(), a.file) : undefined;
        const where = { title: a.title, file, startLine: a.line, startColumn: a.col };
        if (a.level === 'error')
            core/* error */.z3(a.message, where);
        else if (a.level === 'warning')
            core/* warning */.$e(a.message, where);
        else
            core/* notice */.lm(a.message, where);
    }
}
/** The action's publisher: the run's artifact, the step summary, the PR comment, annotations. */
function runnerPublisher(inputs, ctx) {
    return {
        storesArtifacts: Boolean(process.env.ACTIONS_RUNTIME_TOKEN && process.env.ACTIONS_RESULTS_URL),
        async upload(name, dir, files) {
            const uploaded = await uploadResults(name, files, dir);
            if (!uploaded)
                core/* info */.pq(`mlload: not on a GitHub runner with artifact storage: results stay in ${dir}`);
            return uploaded ? (uploaded.url ?? '') : null;
        },
        download: (prefix, dir) => downloadArtifacts(prefix, dir),
        summary: async (markdown) => void (await core/* summary */.z.addRaw(markdown).write()),
        comment: (body, { failed, marker }) => commentOnPullRequest({ policy: inputs.comment, token: inputs.token, ctx, marker, body, failed }, runnerLog),
        annotate,
    };
}
/** The scenario's history on its branch; null off a runner (no repository) or without a token. */
function branchHistory(inputs, ctx, scenarioName) {
    if (!inputs.token || !ctx.owner || !ctx.repo)
        return null;
    const loc = { owner: ctx.owner, repo: ctx.repo, branch: inputs.historyBranch, path: historyPath(scenarioName) };
    return {
        label: historyLabel(loc),
        read: async () => (await readBranchHistory(client(inputs.token), loc)).history,
        append: (results, keep) => recordRun(inputs.token, loc, ctx, results, keep),
    };
}
/** The refreshed baseline committed to the branch (or in a pull request); null with `baseline-commit: none`. */
function baselineCommitter(inputs, ctx) {
    const how = inputs.baselineCommit;
    if (how === 'none')
        return null;
    return {
        how,
        async commit(file, message) {
            if (!inputs.token)
                throw new Error('update-baseline needs github-token to commit the baseline (or set baseline-commit: none)');
            if (!ctx.branch)
                throw new Error('update-baseline cannot tell the current branch (GITHUB_REF_NAME is not set)');
            const path = (0,external_node_path_.relative)(process.cwd(), file).split('\\').join('/');
            return commitBaseline(client(inputs.token), {
                owner: ctx.owner,
                repo: ctx.repo,
                path,
                file,
                branch: ctx.branch,
                message,
                how,
            });
        },
    };
}
/** When the shards of this workflow run begin, from its start time. */
const shardStart = (inputs, ctx) => () => defaultStartAt(inputs.token, ctx);
/** Labels this job's containers, so the post step removes exactly them. */
function runLabel(env = process.env) {
    return `${env.GITHUB_RUN_ID ?? 'local'}-${env.GITHUB_RUN_ATTEMPT ?? '1'}-${env.GITHUB_JOB ?? 'job'}-${process.pid}`;
}
/** The job the inputs describe, with the runner's log, publisher and history branch. */
function runnerJob(inputs) {
    const overrides = {
        url: inputs.url ?? undefined,
        image: inputs.image ?? undefined,
        baselineImage: inputs.baselineImage ?? undefined,
    };
    const scenario = (0,pipeline/* loadScenario */.df)(inputs.scenario, overrides);
    const ctx = readRunContext();
    const label = runLabel();
    core/* saveState */.LZ('run-label', label);
    const job = {
        scenario,
        outDir: inputs.resultsDir ?? (0,external_node_path_.join)(process.env.RUNNER_TEMP ?? (0,external_node_os_.tmpdir)(), 'mlload', scenario.name),
        log: runnerLog,
        publisher: runnerPublisher(inputs, ctx),
        history: branchHistory(inputs, ctx, scenario.name),
        runUrl: ctx.runUrl,
        pullNumber: ctx.pullNumber,
        runLabel: label,
        progress: { write: (line) => core/* info */.pq(line) },
    };
    return { job, ctx };
}

;// CONCATENATED MODULE: ./lib/src/action/inputs.js


function oneOf(name, allowed, fallback) {
    const value = core/* getInput */.V4(name).trim() || fallback;
    if (!allowed.includes(value))
        throw new Error(`input ${name} must be one of ${allowed.join(', ')} (got "${value}")`);
    return value;
}
function readInputs() {
    const runs = Number(core/* getInput */.V4('baseline-runs') || '3');
    if (!Number.isInteger(runs) || runs < 1 || runs > 20)
        throw new Error(`input baseline-runs must be a whole number from 1 to 20 (got "${core/* getInput */.V4('baseline-runs')}")`);
    const keep = Number(core/* getInput */.V4('history-keep') || '200');
    if (!Number.isInteger(keep) || keep < 1 || keep > 10_000)
        throw new Error(`input history-keep must be a whole number from 1 to 10000 (got "${core/* getInput */.V4('history-keep')}")`);
    const token = core/* getInput */.V4('github-token');
    if (token)
        core/* setSecret */.Pq(token);
    return {
        scenario: core/* getInput */.V4('scenario', { required: true }),
        baseline: core/* getInput */.V4('baseline') || null,
        mode: oneOf('mode', ['gate', 'update-baseline', 'report', 'record', 'shard', 'merge'], 'gate'),
        token,
        url: core/* getInput */.V4('url') || null,
        image: core/* getInput */.V4('image') || null,
        comment: oneOf('comment', ['always', 'on-failure', 'never'], 'always'),
        failOn: oneOf('fail-on', ['any', 'slo', 'regression', 'never'], 'any'),
        failOnInconclusive: oneOf('fail-on-inconclusive', ['true', 'false'], 'false') === 'true',
        baselineImage: core/* getInput */.V4('baseline-image') || null,
        baselineRuns: runs,
        baselineCommit: oneOf('baseline-commit', ['pr', 'push', 'none'], 'pr'),
        resultsDir: core/* getInput */.V4('results-dir') || null,
        historyBranch: historyBranch(core/* getInput */.V4('history-branch').trim() || 'mlload-history'),
        historyKeep: keep,
        baselineFrom: oneOf('baseline-from', ['runs', 'history'], 'runs'),
        ...shardInputs(),
    };
}
function shardInputs() {
    const shard = core/* getInput */.V4('shard').trim();
    const startAt = core/* getInput */.V4('start-at').trim();
    const mode = core/* getInput */.V4('mode').trim();
    if (mode === 'shard' && !shard)
        // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression, not a template
        throw new Error('mode: shard needs the shard input: `shard: ${{ matrix.shard }}/4`, shard i (from 0) of n');
    if (mode !== 'shard' && (shard || startAt))
        throw new Error('the shard and start-at inputs apply to mode: shard');
    const read = (name, text, parse) => {
        if (!text)
            return null;
        try {
            return parse(text);
        }
        catch (err) {
            throw new Error(`input ${name}: ${err.message}`);
        }
    };
    return { shard: read('shard', shard, pipeline/* parseShard */.uK), startAtMs: read('start-at', startAt, (t) => (0,pipeline/* parseStartAt */.Vq)(t)) };
}
/** A branch name git accepts, and nothing that reads as a path out of the repository. */
function historyBranch(name) {
    if (!/^[A-Za-z0-9._/-]+$/.test(name) ||
        name.includes('..') ||
        name.startsWith('/') ||
        name.endsWith('/') ||
        name.endsWith('.lock')) {
        throw new Error(`input history-branch is not a usable branch name (got "${name}")`);
    }
    return name;
}

;// CONCATENATED MODULE: ./lib/src/action/main.js






/** The action: read the inputs, run the mode's job, set the outputs; any error fails the step. */
async function run() {
    try {
        const inputs = readInputs();
        const { job, ctx } = runnerJob(inputs);
        const outcome = await modeJob(inputs, job, ctx);
        if (outcome.text)
            core/* info */.pq(outcome.text);
        for (const [name, value] of Object.entries(outcome.outputs))
            core/* setOutput */.uH(name, value);
        if (outcome.failure)
            core/* setFailed */.C1(`mlload: ${outcome.failure.message}`);
    }
    catch (err) {
        if (!(err instanceof shared_document/* InvalidFileError */.Ou))
            return core/* setFailed */.C1(`mlload: ${err.message}`);
        annotate((0,pipeline/* problemAnnotations */.ur)(err.problems, 'mlload: invalid file'));
        core/* setFailed */.C1(`invalid input file:\n${err.message}`);
    }
}
/** The job of the `mode` input. */
function modeJob(inputs, job, ctx) {
    const file = inputs.baseline ?? (0,external_node_path_.join)('baselines', `${job.scenario.name}.json`);
    const gate = {
        baseline: { file, missing: 'none', named: inputs.baseline !== null },
        failOn: inputs.mode === 'report' ? 'never' : inputs.failOn,
        failOnInconclusive: inputs.failOnInconclusive,
        record: inputs.mode === 'record' ? { keep: inputs.historyKeep } : null,
    };
    switch (inputs.mode) {
        case 'update-baseline': {
            const committer = baselineCommitter(inputs, ctx);
            return (0,pipeline/* refreshBaselineJob */.qH)(job, { runs: inputs.baselineRuns, from: inputs.baselineFrom, file, committer });
        }
        case 'shard':
            return (0,pipeline/* shardJob */.Qc)(job, { ...inputs.shard, startAtMs: inputs.startAtMs, startAt: shardStart(inputs, ctx) });
        case 'merge':
            return (0,pipeline/* mergeJob */.aF)(job, gate);
        default:
            return (0,pipeline/* gateJob */.Tt)(job, gate);
    }
}


/***/ })

};
