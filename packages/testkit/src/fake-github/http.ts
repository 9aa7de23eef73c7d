/** GitHub's HTTP conventions the routes share: error bodies, timestamps, pages, path params. */
import type { ContentfulStatusCode } from 'hono/utils/http-status';
import type { FakeContext } from '../http-fake';

/** GitHub's error body: `{ message, documentation_url, status }`. */
export function ghError(c: FakeContext, status: ContentfulStatusCode, message: string): Response {
  const body = {
    message,
    documentation_url: 'https://docs.github.com/rest',
    status: String(status),
  };
  return c.json(body, status);
}

export const notFound = (c: FakeContext) => ghError(c, 404, 'Not Found');
/** `Invalid request.` with GitHub's second line, as validation failures read. */
export const invalidRequest = (c: FakeContext, why: string) =>
  ghError(c, 422, `Invalid request.\n\n${why}`);

/** GitHub timestamps have no milliseconds. */
export const iso = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** `per_page` as GitHub reads it: 30 by default, 100 at most. */
export const perPageOf = (c: FakeContext) =>
  Math.min(Math.max(Number(c.req.query('per_page') ?? 30) || 30, 1), 100);

/** One entry of a Link header: this request's URL with `params` set. */
export function linkTo(c: FakeContext, rel: string, params: Record<string, string | number>) {
  const url = new URL(c.req.url);
  for (const [name, value] of Object.entries(params)) url.searchParams.set(name, String(value));
  return `<${url}>; rel="${rel}"`;
}

/** Reads per_page/page like GitHub and sets its Link header. */
export function paginate<T>(c: FakeContext, items: T[]): T[] {
  const perPage = perPageOf(c);
  const page = Math.max(Number(c.req.query('page') ?? 1) || 1, 1);
  const last = Math.max(Math.ceil(items.length / perPage), 1);
  const link = (p: number, rel: string) => linkTo(c, rel, { per_page: perPage, page: p });
  const links = [
    ...(page > 1 ? [link(page - 1, 'prev')] : []),
    ...(page < last ? [link(page + 1, 'next'), link(last, 'last')] : []),
    ...(page > 1 ? [link(1, 'first')] : []),
  ];
  if (links.length > 0) c.header('link', links.join(', '));
  return items.slice((page - 1) * perPage, page * perPage);
}

export const ownerRepo = (c: FakeContext): [string, string] => [
  c.req.param('owner') ?? '',
  c.req.param('repo') ?? '',
];

/** Origin of the API as the request reached it. */
export const apiBase = (c: FakeContext) => new URL(c.req.url).origin;
