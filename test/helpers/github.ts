import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ApiCall {
  method: string;
  path: string;
  body: Record<string, unknown> | null;
  auth: string | undefined;
}

interface Comment {
  id: number;
  body: string;
  html_url: string;
  user: { login: string; type: 'User' | 'Bot' };
}

/** A runtime token as a runner hands one to a job: a JWT whose scope names the run's and the job's backend ids. */
export function runtimeToken(): string {
  const part = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ scp: 'Actions.GenericRead Actions.Results:run-1:job-1' })}.sig`;
}

/** Plays the GitHub REST endpoints the action uses, and records every call. */
export class FakeGitHub {
  readonly calls: ApiCall[] = [];
  readonly comments: Comment[] = [];
  readonly files = new Map<string, string>();
  /** Status to answer writes (POST/PATCH/PUT) with, e.g. 403 for a fork's token. */
  failWrites: number | null = null;
  /** Answer this many next writes with 502, as a flaky API does. */
  flakyWrites = 0;
  /** Branches that exist; null: every branch asked for exists (the tests that need no history). */
  branches: Set<string> | null = null;
  /** Answer this many next writes of a file with 409, as GitHub does when the file changed since it was read. */
  conflictWrites = 0;
  /** Delay the reads of files by this much, so that racing writers read the same version. */
  readDelayMs = 0;
  /** Writes of files GitHub refused for a stale or missing blob sha (409/422), and new branches made. */
  conflicts = 0;
  branchesCreated = 0;
  private readonly shas = new Map<string, string>();
  private nextSha = 1;
  /**
   * Who the token acts as: GraphQL's viewer; comments it posts are by `<login>[bot]`, as with the job's GITHUB_TOKEN.
   */
  viewer: string | null = 'github-actions';
  /** The workflow run's start, as GET /repos/{o}/{r}/actions/runs/{id} answers it. */
  runStartedAt = new Date().toISOString();
  /**
   * Artifact storage (the Actions results service's Twirp API and its blob URLs): artifacts of this
   * run by name, each one file. Only what the runner can reach is played; upload is not.
   */
  readonly artifacts = new Map<string, { file: string; content: string }>();
  /** Artifacts uploaded by the action: name → the zip's bytes (blocks in the order committed) and the id given. */
  readonly uploaded = new Map<string, { id: number; zip: Buffer }>();
  /** Answer CreateArtifact with this status (the upload fails), as storage does when it is down. */
  failUploads: number | null = null;
  private readonly blocks = new Map<string, Buffer>();
  private server!: Server;
  private nextId = 1000;
  url = '';

  constructor(existingComments = 0) {
    for (let i = 0; i < existingComments; i++) this.addComment('someone', `unrelated comment ${i}`);
  }

  /** A comment already on the pull request, by `login`. */
  addComment(login: string, body: string): Comment {
    const c: Comment = {
      id: this.nextId++,
      body,
      html_url: `https://github.example/comment/${this.nextId}`,
      user: { login, type: login.endsWith('[bot]') ? 'Bot' : 'User' },
    };
    this.comments.push(c);
    return c;
  }

  /**
   * Azure blob storage's two writes, as upload-artifact's client makes them: a block (`comp=block`), then the list of
   * blocks that makes the blob (`comp=blocklist`).
   */
  private blob(url: URL, body: Buffer, res: import('node:http').ServerResponse): void {
    const name = decodeURIComponent(url.pathname.slice('/upload/'.length));
    const comp = url.searchParams.get('comp');
    if (comp === 'block') this.blocks.set(`${name}\0${url.searchParams.get('blockid')}`, body);
    else if (comp === 'blocklist') {
      const ids = [...body.toString().matchAll(/<(?:Latest|Uncommitted|Committed)>([^<]+)</g)].map((m) => m[1]!);
      this.blocks.set(name, Buffer.concat(ids.map((id) => this.blocks.get(`${name}\0${id}`) ?? Buffer.alloc(0))));
    } else this.blocks.set(name, body);
    res.writeHead(201, { etag: '"0x1"', 'last-modified': new Date().toUTCString() });
    res.end();
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname.startsWith('/upload/')) return this.blob(url, Buffer.concat(chunks), res);
        const raw = Buffer.concat(chunks).toString();
        const body = raw ? (JSON.parse(raw) as Record<string, unknown>) : null;
        this.calls.push({
          method: req.method ?? '',
          path: url.pathname + url.search,
          body,
          auth: req.headers.authorization,
        });
        const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(data));
        };
        if (req.method === 'GET' && /^\/repos\/[^/]+\/[^/]+\/actions\/runs\/\d+$/.test(url.pathname)) {
          return send(200, { id: 1, run_started_at: this.runStartedAt, created_at: this.runStartedAt });
        }
        const twirp = /^\/twirp\/github\.actions\.results\.api\.v1\.ArtifactService\/(\w+)$/.exec(url.pathname);
        if (twirp && req.method === 'POST') {
          const names = [...this.artifacts.keys()];
          if (twirp[1] === 'ListArtifacts') {
            const only = (body?.id_filter as string | undefined) ?? null;
            const list = names.map((name, i) => ({
              workflow_run_backend_id: 'run-1',
              workflow_job_run_backend_id: 'job-1',
              database_id: String(i + 1),
              name,
              size: String(this.artifacts.get(name)!.content.length),
              created_at: this.runStartedAt,
            }));
            return send(200, { artifacts: only ? list.filter((a) => a.database_id === String(only)) : list });
          }
          if (twirp[1] === 'CreateArtifact') {
            if (this.failUploads) return send(this.failUploads, { msg: 'storage is down', code: 'unavailable' });
            return send(200, {
              ok: true,
              signed_upload_url: `${this.url}/upload/${encodeURIComponent(String(body?.name))}`,
            });
          }
          if (twirp[1] === 'FinalizeArtifact') {
            const name = String(body?.name);
            const id = this.nextId++;
            this.uploaded.set(name, { id, zip: this.blocks.get(name) ?? Buffer.alloc(0) });
            return send(200, { ok: true, artifact_id: String(id) });
          }
          if (twirp[1] === 'GetSignedArtifactURL')
            return send(200, { signed_url: `${this.url}/blob/${encodeURIComponent(String(body?.name))}` });
          return send(404, { msg: `fake artifact storage has no ${twirp[1]}`, code: 'not_found' });
        }
        if (req.method === 'GET' && url.pathname.startsWith('/blob/')) {
          const a = this.artifacts.get(decodeURIComponent(url.pathname.slice('/blob/'.length)));
          if (!a) return send(404, { message: 'BlobNotFound' });
          // One file, not zipped: the client saves it under its Content-Disposition name.
          res.writeHead(200, {
            'content-type': 'application/json',
            'content-disposition': `attachment; filename="${a.file}"`,
          });
          return void res.end(a.content);
        }
        if (req.method === 'POST' && url.pathname === '/graphql') {
          if (this.viewer === null) return send(401, { message: 'Bad credentials' });
          return send(200, { data: { viewer: { login: this.viewer } } });
        }
        if (req.method !== 'GET' && this.failWrites)
          return send(this.failWrites, { message: 'Resource not accessible by integration' });
        if (req.method !== 'GET' && this.flakyWrites > 0) {
          this.flakyWrites--;
          return send(502, { message: 'Bad Gateway' });
        }
        let m: RegExpExecArray | null;
        if (req.method === 'GET' && (m = /^\/repos\/([^/]+)\/([^/]+)\/issues\/(\d+)\/comments$/.exec(url.pathname))) {
          const perPage = Number(url.searchParams.get('per_page') ?? 30);
          const page = Number(url.searchParams.get('page') ?? 1);
          const slice = this.comments.slice((page - 1) * perPage, page * perPage);
          const headers: Record<string, string> = {};
          if (page * perPage < this.comments.length) {
            headers.link = `<${this.url}${url.pathname}?per_page=${perPage}&page=${page + 1}>; rel="next"`;
          }
          return send(200, slice, headers);
        }
        if (req.method === 'POST' && /^\/repos\/[^/]+\/[^/]+\/issues\/\d+\/comments$/.test(url.pathname)) {
          return send(201, this.addComment(`${this.viewer ?? 'someone'}[bot]`, String(body?.body)));
        }
        if (req.method === 'PATCH' && (m = /^\/repos\/[^/]+\/[^/]+\/issues\/comments\/(\d+)$/.exec(url.pathname))) {
          const c = this.comments.find((x) => x.id === Number(m![1]));
          if (!c) return send(404, { message: 'Not Found' });
          c.body = String(body?.body);
          return send(200, c);
        }
        if (req.method === 'GET' && (m = /\/git\/ref\/heads\/(.+)$/.exec(decodeURIComponent(url.pathname)))) {
          if (this.branches && !this.branches.has(m[1]!)) return send(404, { message: 'Not Found' });
          return send(200, { object: { sha: 'abc123' } });
        }
        if (req.method === 'POST' && /\/git\/refs$/.test(url.pathname)) {
          const branch = String(body?.ref).replace(/^refs\/heads\//, '');
          if (this.branches?.has(branch)) return send(422, { message: 'Reference already exists' });
          this.branches?.add(branch);
          this.branchesCreated++;
          return send(201, { ref: body?.ref });
        }
        if (req.method === 'POST' && /\/git\/trees$/.test(url.pathname))
          return send(201, { sha: `tree${this.nextSha++}` });
        if (req.method === 'POST' && /\/git\/commits$/.test(url.pathname))
          return send(201, { sha: `commit${this.nextSha++}` });
        if ((m = /^\/repos\/[^/]+\/[^/]+\/contents\/(.+)$/.exec(url.pathname))) {
          const path = decodeURIComponent(m[1]!);
          if (req.method === 'GET') {
            const ref = url.searchParams.get('ref');
            const answer = () => {
              if (ref && this.branches && !this.branches.has(ref))
                return send(404, { message: 'No commit found for the ref' });
              const text = this.files.get(path);
              if (text === undefined) return send(404, { message: 'Not Found' });
              send(200, {
                sha: this.shaOf(path),
                size: Buffer.byteLength(text),
                encoding: 'base64',
                content: Buffer.from(text).toString('base64'),
              });
            };
            if (this.readDelayMs > 0) setTimeout(answer, this.readDelayMs);
            else answer();
            return;
          }
          if (req.method === 'PUT') {
            const given = body?.sha as string | undefined;
            if (this.conflictWrites > 0) {
              this.conflictWrites--;
              this.conflicts++;
              return send(409, { message: `${path} does not match ${given ?? 'nothing'}` });
            }
            if (this.files.has(path) && given !== this.shaOf(path)) {
              this.conflicts++;
              return given
                ? send(409, { message: `${path} does not match ${given}` })
                : send(422, { message: 'Invalid request. "sha" wasn\'t supplied.' });
            }
            this.files.set(path, Buffer.from(String(body?.content), 'base64').toString('utf8'));
            this.shas.set(path, `blob${this.nextSha++}`);
            return send(201, { commit: { html_url: `https://github.example/commit/${this.nextSha}` } });
          }
        }
        if (req.method === 'POST' && /\/pulls$/.test(url.pathname))
          return send(201, { html_url: 'https://github.example/pull/99' });
        send(404, { message: `fake GitHub has no ${req.method} ${url.pathname}` });
      });
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this;
  }

  /** The blob sha of a file as GitHub would give it: a file placed by a test gets one on first read. */
  private shaOf(path: string): string {
    if (!this.shas.has(path)) this.shas.set(path, `blob${this.nextSha++}`);
    return this.shas.get(path)!;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.server.closeAllConnections();
      this.server.close(() => resolve());
    });
  }
}
