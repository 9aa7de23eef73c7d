/**
 * A small GitHub API fake on node:http for this package's tests only (the shared fake lives in
 * @code-factory/testkit, which this package does not depend on). It checks App JWTs against
 * the public key, hands out installation tokens, and serves the few routes GitHubApp calls.
 * Paths under `/api/v3` and `/api/graphql` are served too, as GitHub Enterprise Server.
 */
import { createPublicKey, type KeyObject, verify } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface FakeResponse {
  status: number;
  headers?: Record<string, string>;
  /** JSON unless a string. */
  body?: unknown;
}

export interface RecordedRequest {
  method: string;
  /** Pathname as received, before the GHES prefix is removed. */
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export interface FakeComment {
  id: number;
  issueNumber: number;
  body: string;
  user: { login: string; type: 'User' | 'Bot' };
}

export interface FakePull {
  number: number;
  html_url: string;
  state: 'open' | 'closed';
  user: { login: string } | null;
  head: { sha: string; ref: string };
  merged_at: string | null;
}

export interface FakeJob {
  id: number;
  name: string;
  html_url: string;
  conclusion: string | null;
}

export interface FakeState {
  slug: string;
  tokensIssued: number;
  permissions: Map<string, { permission: string; role_name?: string }>;
  comments: FakeComment[];
  reactions: { path: string; content: string }[];
  pulls: FakePull[];
  linkedIssues: Map<number, number[]>;
  jobs: Map<number, FakeJob[]>;
  logs: Map<number, { text: string; contentType?: string }>;
  /** Keyed `path@ref`; ref "main" when the request names none. */
  files: Map<string, string>;
}

export interface FakeGitHub {
  url: string;
  /** A second origin, standing in for the log storage GitHub redirects to. */
  blobUrl: string;
  requests: RecordedRequest[];
  blobRequests: RecordedRequest[];
  state: FakeState;
  /** Answer the next `times` requests to `method path` (path without query) with `response`. */
  failNext(method: string, path: string, response: FakeResponse, times?: number): void;
  close(): Promise<void>;
}

type Params = Record<string, string>;
type Handler = (req: RecordedRequest, params: Params) => FakeResponse;

export async function startFakeGitHubApi(options: {
  publicKey: KeyObject | string;
}): Promise<FakeGitHub> {
  const publicKey = createPublicKey(options.publicKey);
  const state: FakeState = {
    slug: 'code-factory',
    tokensIssued: 0,
    permissions: new Map(),
    comments: [],
    reactions: [],
    pulls: [],
    linkedIssues: new Map(),
    jobs: new Map(),
    logs: new Map(),
    files: new Map(),
  };
  const requests: RecordedRequest[] = [];
  const blobRequests: RecordedRequest[] = [];
  const faults: { key: string; response: FakeResponse; times: number }[] = [];
  const tokens = new Set<string>();
  let nextCommentId = 1000;
  let url = '';
  let blobUrl = '';

  const appRoute =
    (handler: Handler): Handler =>
    (req, params) =>
      validJwt(req.headers.authorization, publicKey) ? handler(req, params) : unauthorized();
  const tokenRoute =
    (handler: Handler): Handler =>
    (req, params) => {
      const match = /^token (.+)$/.exec(req.headers.authorization ?? '');
      return match?.[1] && tokens.has(match[1]) ? handler(req, params) : unauthorized();
    };

  const routes: [string, string, Handler][] = [
    [
      'POST',
      '/app/installations/:id/access_tokens',
      appRoute((_req, p) => {
        state.tokensIssued++;
        const token = `ghs_${p.id}_${state.tokensIssued}`;
        tokens.add(token);
        const expires = new Date(Date.now() + 3600_000).toISOString();
        return json(201, {
          token,
          expires_at: expires,
          permissions: {},
          repository_selection: 'all',
        });
      }),
    ],
    ['GET', '/app', appRoute(() => json(200, { id: 1, slug: state.slug, name: 'Code Factory' }))],
    [
      'GET',
      '/repos/:owner/:repo/collaborators/:user/permission',
      tokenRoute((_req, p) => {
        const perm = state.permissions.get(p.user ?? '');
        if (!perm) return json(404, { message: 'Not Found' });
        return json(200, { ...perm, user: { login: p.user } });
      }),
    ],
    [
      'GET',
      '/repos/:owner/:repo/issues/:number/comments',
      tokenRoute((req, p) => {
        const items = state.comments
          .filter((c) => c.issueNumber === Number(p.number))
          .map(commentJson);
        return page(items, req, url);
      }),
    ],
    [
      'POST',
      '/repos/:owner/:repo/issues/:number/comments',
      tokenRoute((req, p) => {
        const comment: FakeComment = {
          id: nextCommentId++,
          issueNumber: Number(p.number),
          body: String((req.body as { body?: unknown }).body),
          user: { login: `${state.slug}[bot]`, type: 'Bot' },
        };
        state.comments.push(comment);
        return json(201, commentJson(comment));
      }),
    ],
    [
      'PATCH',
      '/repos/:owner/:repo/issues/comments/:id',
      tokenRoute((req, p) => {
        const comment = state.comments.find((c) => c.id === Number(p.id));
        if (!comment) return json(404, { message: 'Not Found' });
        comment.body = String((req.body as { body?: unknown }).body);
        return json(200, commentJson(comment));
      }),
    ],
    ['POST', '/repos/:owner/:repo/issues/comments/:id/reactions', tokenRoute(react)],
    ['POST', '/repos/:owner/:repo/pulls/comments/:id/reactions', tokenRoute(react)],
    [
      'GET',
      '/repos/:owner/:repo/pulls/:number',
      tokenRoute((_req, p) => {
        const pull = state.pulls.find((pr) => pr.number === Number(p.number));
        return pull
          ? json(200, { ...pull, merged: pull.merged_at !== null })
          : json(404, { message: 'Not Found' });
      }),
    ],
    [
      'GET',
      '/repos/:owner/:repo/pulls',
      tokenRoute((req) => {
        const wanted = req.query.get('state') ?? 'open';
        return page(
          state.pulls.filter((pr) => wanted === 'all' || pr.state === wanted),
          req,
          url,
        );
      }),
    ],
    [
      'POST',
      '/graphql',
      tokenRoute((req) => {
        const { query, variables } = req.body as { query: string; variables: { number: number } };
        if (!query.includes('closingIssuesReferences'))
          return json(400, { message: 'unknown query' });
        const linked = state.linkedIssues.get(variables.number);
        if (!linked) {
          return json(200, {
            data: { repository: { pullRequest: null } },
            errors: [{ type: 'NOT_FOUND', message: 'Could not resolve to a PullRequest.' }],
          });
        }
        const nodes = linked.map((number) => ({ number }));
        return json(200, {
          data: { repository: { pullRequest: { closingIssuesReferences: { nodes } } } },
        });
      }),
    ],
    [
      'GET',
      '/repos/:owner/:repo/actions/runs/:id/jobs',
      tokenRoute((req, p) => {
        const jobs = state.jobs.get(Number(p.id));
        if (!jobs) return json(404, { message: 'Not Found' });
        return page(jobs, req, url, (items) => ({ total_count: jobs.length, jobs: items }));
      }),
    ],
    [
      'GET',
      '/repos/:owner/:repo/actions/jobs/:id/logs',
      tokenRoute((_req, p) => {
        if (!state.logs.has(Number(p.id))) return json(404, { message: 'Not Found' });
        return { status: 302, headers: { location: `${blobUrl}/logs/${p.id}?sig=signed` } };
      }),
    ],
    [
      'GET',
      '/repos/:owner/:repo/contents/*',
      tokenRoute((req, p) => {
        const key = `${p['*']}@${req.query.get('ref') ?? 'main'}`;
        const text = state.files.get(key);
        if (text === undefined) return json(404, { message: 'Not Found' });
        const content = Buffer.from(text, 'utf8')
          .toString('base64')
          .replace(/(.{60})/g, '$1\n');
        return json(200, { type: 'file', encoding: 'base64', path: p['*'], content });
      }),
    ],
  ];

  function react(req: RecordedRequest): FakeResponse {
    const content = String((req.body as { content?: unknown }).content);
    const path = req.path.replace(/^\/api\/v3/, '');
    const existing = state.reactions.find((r) => r.path === path && r.content === content);
    if (!existing) state.reactions.push({ path, content });
    return json(existing ? 200 : 201, { id: 1, content, user: { login: `${state.slug}[bot]` } });
  }

  const server = createServer((req, res) => {
    void handle(req, res, async (recorded) => {
      requests.push(recorded);
      const path = recorded.path
        .replace(/^\/api\/v3(?=\/)/, '')
        .replace(/^\/api\/graphql$/, '/graphql');
      const faultIndex = faults.findIndex((f) => f.key === `${recorded.method} ${path}`);
      const fault = faults[faultIndex];
      if (fault) {
        if (--fault.times <= 0) faults.splice(faultIndex, 1);
        return fault.response;
      }
      for (const [method, pattern, handler] of routes) {
        const params = method === recorded.method ? match(pattern, path) : null;
        if (params) return handler(recorded, params);
      }
      return json(404, { message: `fake: no route for ${recorded.method} ${path}` });
    });
  });

  const blobServer = createServer((req, res) => {
    void handle(req, res, async (recorded) => {
      blobRequests.push(recorded);
      const id = /^\/logs\/(\d+)$/.exec(recorded.path)?.[1];
      const log = id === undefined ? undefined : state.logs.get(Number(id));
      if (!log || recorded.query.get('sig') !== 'signed')
        return { status: 403, body: 'bad signature' };
      return {
        status: 200,
        headers: { 'content-type': log.contentType ?? 'text/plain' },
        body: log.text,
      };
    });
  });

  url = await listen(server);
  blobUrl = await listen(blobServer);

  return {
    url,
    blobUrl,
    requests,
    blobRequests,
    state,
    failNext(method, path, response, times = 1) {
      faults.push({ key: `${method} ${path}`, response, times });
    },
    async close() {
      await Promise.all([close(server), close(blobServer)]);
    },
  };
}

function json(status: number, body: unknown): FakeResponse {
  return { status, body };
}

function unauthorized(): FakeResponse {
  return json(401, { message: 'Bad credentials' });
}

function commentJson(c: FakeComment) {
  return { id: c.id, body: c.body, user: c.user, html_url: `https://github.com/c/${c.id}` };
}

/** One page of `items` per GitHub's `page`/`per_page`, with a `Link: rel="next"` header. */
function page<T>(
  items: T[],
  req: RecordedRequest,
  base: string,
  wrap: (items: T[]) => unknown = (x) => x,
): FakeResponse {
  const perPage = Number(req.query.get('per_page') ?? 30);
  const pageNumber = Number(req.query.get('page') ?? 1);
  const slice = items.slice((pageNumber - 1) * perPage, pageNumber * perPage);
  const headers: Record<string, string> = {};
  if (pageNumber * perPage < items.length) {
    const next = new URL(req.path, base);
    for (const [k, v] of req.query) next.searchParams.set(k, v);
    next.searchParams.set('page', String(pageNumber + 1));
    headers.link = `<${next.toString()}>; rel="next"`;
  }
  return { status: 200, headers, body: wrap(slice) };
}

function match(pattern: string, path: string): Params | null {
  const want = pattern.split('/');
  const got = path.split('/');
  const params: Params = {};
  for (let i = 0; i < want.length; i++) {
    const w = want[i] ?? '';
    if (w === '*') {
      params['*'] = got.slice(i).map(decodeURIComponent).join('/');
      return got.length > i ? params : null;
    }
    const g = got[i];
    if (g === undefined) return null;
    if (w.startsWith(':')) params[w.slice(1)] = decodeURIComponent(g);
    else if (w !== g) return null;
  }
  return got.length === want.length ? params : null;
}

function validJwt(authorization: string | undefined, publicKey: KeyObject): boolean {
  const match = /^bearer (.+)\.(.+)\.(.+)$/i.exec(authorization ?? '');
  if (!match) return false;
  const [, header, payload, signature] = match as unknown as [string, string, string, string];
  const signed = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    publicKey,
    Buffer.from(signature, 'base64url'),
  );
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { exp?: number };
  return signed && typeof claims.exp === 'number' && claims.exp * 1000 > Date.now();
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  respond: (recorded: RecordedRequest) => Promise<FakeResponse>,
): Promise<void> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const raw = Buffer.concat(chunks).toString('utf8');
  const parsed = new URL(req.url ?? '/', 'http://fake');
  let body: unknown = raw;
  try {
    body = raw ? JSON.parse(raw) : undefined;
  } catch {
    // Not JSON: keep the text.
  }
  const out = await respond({
    method: req.method ?? 'GET',
    path: parsed.pathname,
    query: parsed.searchParams,
    headers: req.headers,
    body,
  });
  const isText = typeof out.body === 'string';
  const headers: Record<string, string> = {
    ...(out.body === undefined
      ? {}
      : {
          'content-type': isText ? 'text/plain; charset=utf-8' : 'application/json; charset=utf-8',
        }),
    ...out.headers,
  };
  res.writeHead(out.status, headers);
  res.end(out.body === undefined ? undefined : isText ? out.body : JSON.stringify(out.body));
}

function listen(server: Server): Promise<string> {
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      resolve(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
    });
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
