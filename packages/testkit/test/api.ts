/**
 * How the fakes' own tests call them: a JSON request, in-process through the fake's app or
 * over HTTP to its URL, with the given headers; the answer's status, headers and body (JSON,
 * else text, undefined when empty).
 */
import { parseJson } from '../src/http-fake';

// biome-ignore lint/suspicious/noExplicitAny: the tests read arbitrary API JSON
type Json = any;

type Target = {
  app: { request: (path: string, init: RequestInit) => Response | Promise<Response> };
};

export function apiOf(target: Target | { url: string }, headers: Record<string, string> = {}) {
  return async (
    method: string,
    path: string,
    body?: unknown,
    more: Record<string, string> = {},
  ) => {
    const init = {
      method,
      headers: { 'content-type': 'application/json', ...headers, ...more },
      body: body === undefined ? undefined : JSON.stringify(body),
    };
    const res = await ('url' in target
      ? fetch(`${target.url}${path}`, init)
      : target.app.request(path, init));
    const json: Json = parseJson(await res.text());
    // Headers not enumerable, so that `toEqual({ status, json })` holds.
    const answer = { status: res.status, json } as { status: number; json: Json; headers: Headers };
    return Object.defineProperty(answer, 'headers', { value: res.headers });
  };
}

/** The Coder fake's API as the holder of `token` (default the configured one; null: none). */
export const coderApi = (fake: Target & { token: string }, token: string | null = fake.token) =>
  apiOf(fake, token === null ? {} : { 'Coder-Session-Token': token });

/** The GitHub fake's API with an installation token. */
export const githubApi = (fake: Target | { url: string }) =>
  apiOf(fake, { authorization: 'token ghs_x' });
