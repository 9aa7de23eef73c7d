/**
 * The App's own endpoints, called with the App's JWT:
 *  - "Get the authenticated app" and "Create an installation access token for an app":
 *    https://docs.github.com/en/rest/apps/apps
 *  - "List deliveries for an app webhook" and "Redeliver a delivery" (fake-github-deliveries.ts):
 *    https://docs.github.com/en/rest/apps/webhooks
 *  - The JWT is RS256-signed with the App's key, `exp` at most ten minutes ahead:
 *    https://docs.github.com/en/apps/creating-github-apps/authenticating-with-a-github-app/generating-a-json-web-token-jwt-for-a-github-app
 */
import { createPublicKey, type KeyObject, randomBytes, verify } from 'node:crypto';
import type { Hono, MiddlewareHandler } from 'hono';
import type { DeliveryLog } from '../fake-github-deliveries';
import { deliveryItemJson } from '../fake-github-deliveries';
import type { FakeEnv } from '../http-fake';
import { ghError, iso, linkTo, notFound, perPageOf } from './http';
import { type GitHubState, idFor, userJson } from './state';

const JWT = /^bearer\s+([\w-]+)\.([\w-]+)\.([\w-]+)$/i;

/** Whether `authorization` carries an App JWT: signed by `publicKey` and not expired, if given. */
function validJwt(authorization: string, publicKey: KeyObject | undefined): boolean {
  const match = JWT.exec(authorization);
  if (!match) return false;
  if (!publicKey) return true;
  const [, header = '', payload = '', signature = ''] = match;
  const signed = verify(
    'sha256',
    Buffer.from(`${header}.${payload}`),
    publicKey,
    Buffer.from(signature, 'base64url'),
  );
  if (!signed) return false;
  try {
    const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as {
      exp?: unknown;
    };
    return typeof claims.exp === 'number' && claims.exp * 1000 > Date.now();
  } catch {
    return false;
  }
}

export function registerAppRoutes(
  app: Hono<FakeEnv>,
  state: GitHubState,
  deliveryLog: DeliveryLog,
  opts: { appName?: string; appOwner?: string; appPublicKey?: string },
): void {
  const publicKey = opts.appPublicKey ? createPublicKey(opts.appPublicKey) : undefined;
  const requireJwt: MiddlewareHandler<FakeEnv> = async (c, next) => {
    if (!validJwt(c.req.header('authorization') ?? '', publicKey)) {
      return ghError(c, 401, 'A JSON web token could not be decoded');
    }
    await next();
  };
  // With the App's key every /app route checks the JWT; without it only the delivery routes
  // check its shape (they take the App's JWT, never an installation token).
  if (publicKey) {
    app.use('/app', requireJwt);
    app.use('/app/*', requireJwt);
  } else {
    app.use('/app/hook/*', requireJwt);
  }

  app.get('/app', (c) =>
    c.json({
      id: state.appId,
      slug: state.appSlug,
      node_id: Buffer.from(`03:Integration${state.appId}`).toString('base64'),
      name: opts.appName ?? 'Code Factory',
      owner: userJson(opts.appOwner ?? 'acme', idFor(opts.appOwner ?? 'acme')),
      html_url: `${state.htmlBase}/apps/${state.appSlug}`,
      events: ['issues', 'issue_comment', 'pull_request_review', 'pull_request_review_comment'],
    }),
  );

  app.post('/app/installations/:id/access_tokens', (c) => {
    const installationId = Number(c.req.param('id'));
    const jwt = (c.req.header('authorization') ?? '').replace(/^bearer\s+/i, '');
    const token = `ghs_fake${randomBytes(16).toString('hex')}`;
    state.tokens.push({ installationId, jwt, token });
    return c.json(
      {
        token,
        expires_at: iso(Date.now() + 3_600_000),
        // What docs/github-app-setup.md asks for (the fake does not enforce them).
        permissions: {
          issues: 'write',
          checks: 'write',
          pull_requests: 'write',
          actions: 'write',
          merge_queues: 'read',
          contents: 'read',
          statuses: 'read',
          metadata: 'read',
        },
        repository_selection: 'all',
      },
      201,
    );
  });

  app.get('/app/hook/deliveries', (c) => {
    const perPage = perPageOf(c);
    const cursor = c.req.query('cursor');
    if (cursor !== undefined && !/^v1_\d+$/.test(cursor)) {
      return ghError(c, 400, 'Invalid cursor');
    }
    const { items, next } = deliveryLog.page(perPage, cursor);
    if (next) c.header('link', linkTo(c, 'next', { per_page: perPage, cursor: next }));
    return c.json(items.map(deliveryItemJson));
  });

  app.post('/app/hook/deliveries/:id/attempts', (c) => {
    if (!deliveryLog.redeliver(Number(c.req.param('id')))) return notFound(c);
    return c.json({}, 202);
  });
}
