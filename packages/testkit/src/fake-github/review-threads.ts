/**
 * GraphQL `repository.pullRequest.reviewThreads` (and `headRefOid` when the query asks for it):
 * each a PullRequestReviewThread (`line` null once outdated; a deleted account's `author` null),
 * as a connection paged by `first` (required, at most 100) and `after`:
 * https://docs.github.com/en/graphql/reference/objects#pullrequestreviewthread
 * https://docs.github.com/en/graphql/reference/objects#pullrequest (reviewThreads)
 * https://docs.github.com/en/graphql/guides/using-pagination-in-the-graphql-api
 */
import { type GitHubState, inRepo } from './state';

const MAX_FIRST = 100;

type Vars = Record<string, unknown>;

/** The value of argument `name` in `args` (`first: 20` or `first: $n`), from `vars` when a variable. */
function argument(args: string, name: string, vars: Vars): unknown {
  const raw = new RegExp(`\\b${name}\\s*:\\s*(\\$\\w+|\\d+|"[^"]*"|null)`).exec(args)?.[1];
  if (raw === undefined || raw === 'null') return undefined;
  if (raw.startsWith('$')) return vars[raw.slice(1)] ?? undefined;
  return raw.startsWith('"') ? raw.slice(1, -1) : Number(raw);
}

const argsOf = (query: string, field: string) =>
  new RegExp(`${field}\\s*\\(([^)]*)\\)`).exec(query)?.[1] ?? '';

const cursorOf = (index: number) => Buffer.from(`cursor:v2:${index}`).toString('base64');
function indexOf(cursor: unknown): number {
  if (typeof cursor !== 'string') return -1;
  const match = /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString());
  return match?.[1] ? Number(match[1]) : -1;
}

/** GitHub's answer for a pull request that does not exist. */
export const pullNotFound = (number: number) => ({
  data: { repository: { pullRequest: null } },
  errors: [
    {
      type: 'NOT_FOUND',
      path: ['repository', 'pullRequest'],
      message: `Could not resolve to a PullRequest with the number of ${number}.`,
    },
  ],
});

const paginationError = (type: string, message: string) => ({
  errors: [{ type, path: ['repository', 'pullRequest', 'reviewThreads'], message }],
});

/** The GraphQL answer (`{ data }` or `{ data, errors }`) for a query asking for reviewThreads. */
export function resolveReviewThreads(state: GitHubState, query: string, vars: Vars): unknown {
  const owner = String(vars.owner ?? '');
  const repo = String(vars.repo ?? vars.name ?? '');
  const number = Number(vars.number ?? vars.pr ?? vars.prNumber);
  const pull = state.pull(owner, repo, number);
  if (!pull) return pullNotFound(number);
  const args = argsOf(query, 'reviewThreads');
  const first = argument(args, 'first', vars);
  if (typeof first !== 'number') {
    return paginationError(
      'MISSING_PAGINATION_BOUNDARIES',
      'You must provide a `first` or `last` value to properly paginate the `reviewThreads` connection.',
    );
  }
  if (first > MAX_FIRST) {
    return paginationError(
      'EXCESSIVE_PAGINATION',
      `Requesting ${first} records on the \`reviewThreads\` connection exceeds the \`first\` limit of ${MAX_FIRST} records.`,
    );
  }
  const commentsFirst = Number(argument(argsOf(query, 'comments'), 'first', vars) ?? MAX_FIRST);
  const all = [...state.threads.values()].filter(
    (t) => t.number === number && inRepo(owner, repo)(t),
  );
  const start = indexOf(argument(args, 'after', vars)) + 1;
  const page = all.slice(start, start + first);
  const last = start + page.length - 1;
  const nodes = page.map((thread) => ({
    id: thread.id,
    isResolved: thread.resolved,
    isOutdated: thread.outdated,
    path: thread.path,
    line: thread.outdated ? null : thread.line,
    originalLine: thread.line,
    comments: {
      totalCount: thread.comments.length,
      nodes: thread.comments.slice(0, commentsFirst).map((comment) => ({
        author: comment.author === null ? null : { login: comment.author },
        body: comment.body,
        createdAt: comment.createdAt,
      })),
    },
  }));
  const pageInfo = {
    hasNextPage: last < all.length - 1,
    endCursor: page.length > 0 ? cursorOf(last) : null,
  };
  const reviewThreads = { totalCount: all.length, pageInfo, nodes };
  // GraphQL answers the fields asked for: the head commit only when the query names it.
  const head = /\bheadRefOid\b/.test(query) ? { headRefOid: pull.headSha } : {};
  return { data: { repository: { pullRequest: { number, ...head, reviewThreads } } } };
}
