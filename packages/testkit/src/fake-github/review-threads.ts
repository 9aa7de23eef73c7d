/**
 * GraphQL `repository.pullRequest.reviewThreads`: the review threads of a pull request, each a
 * PullRequestReviewThread (`id`, `isResolved`, `isOutdated`, `path`, `line` (null once
 * outdated), `originalLine`, `comments` (a connection of PullRequestReviewComment with
 * `author { login }` (null for a deleted account), `body`, `createdAt`)), as a connection
 * paged by `first` (at most 100, required) and `after` (a cursor from `pageInfo.endCursor`):
 * https://docs.github.com/en/graphql/reference/objects#pullrequestreviewthread
 * https://docs.github.com/en/graphql/reference/objects#pullrequest (reviewThreads)
 * https://docs.github.com/en/graphql/guides/using-pagination-in-the-graphql-api
 */
import { type GitHubState, repoKey, type StoredThread } from './state';

const MAX_FIRST = 100;

type Vars = Record<string, unknown>;

/** The value of argument `name` in `args` (`first: 20` or `first: $n`), from `vars` when a variable. */
function argument(args: string, name: string, vars: Vars): unknown {
  const match = new RegExp(`\\b${name}\\s*:\\s*(\\$\\w+|\\d+|"[^"]*"|null)`).exec(args);
  const raw = match?.[1];
  if (raw === undefined || raw === 'null') return undefined;
  if (raw.startsWith('$')) return vars[raw.slice(1)] ?? undefined;
  if (raw.startsWith('"')) return raw.slice(1, -1);
  return Number(raw);
}

function argsOf(query: string, field: string): string {
  return new RegExp(`${field}\\s*\\(([^)]*)\\)`).exec(query)?.[1] ?? '';
}

const cursorOf = (index: number) => Buffer.from(`cursor:v2:${index}`).toString('base64');
function indexOf(cursor: unknown): number {
  if (typeof cursor !== 'string') return -1;
  const match = /^cursor:v2:(\d+)$/.exec(Buffer.from(cursor, 'base64').toString());
  return match?.[1] ? Number(match[1]) : -1;
}

export function threadJson(thread: StoredThread, commentsFirst: number) {
  return {
    id: thread.id,
    isResolved: thread.isResolved,
    isOutdated: thread.isOutdated,
    path: thread.path,
    line: thread.isOutdated ? null : thread.originalLine,
    originalLine: thread.originalLine,
    comments: {
      totalCount: thread.comments.length,
      nodes: thread.comments.slice(0, commentsFirst).map((comment) => ({
        author: comment.author === null ? null : { login: comment.author },
        body: comment.body,
        createdAt: comment.createdAt,
      })),
    },
  };
}

/** The GraphQL answer (`{ data }` or `{ data, errors }`) for a query asking for reviewThreads. */
export function resolveReviewThreads(state: GitHubState, query: string, vars: Vars): unknown {
  const owner = String(vars.owner ?? '');
  const repo = String(vars.repo ?? vars.name ?? '');
  const number = Number(vars.number ?? vars.pr ?? vars.prNumber);
  const pullKey = `${repoKey(owner, repo)}#${number}`;
  if (!state.pulls.has(pullKey)) {
    return {
      data: { repository: { pullRequest: null } },
      errors: [
        {
          type: 'NOT_FOUND',
          path: ['repository', 'pullRequest'],
          message: `Could not resolve to a PullRequest with the number of ${number}.`,
        },
      ],
    };
  }
  const args = argsOf(query, 'reviewThreads');
  const first = argument(args, 'first', vars);
  if (typeof first !== 'number') {
    return {
      errors: [
        {
          type: 'MISSING_PAGINATION_BOUNDARIES',
          path: ['repository', 'pullRequest', 'reviewThreads'],
          message:
            'You must provide a `first` or `last` value to properly paginate the `reviewThreads` connection.',
        },
      ],
    };
  }
  if (first > MAX_FIRST) {
    return {
      errors: [
        {
          type: 'EXCESSIVE_PAGINATION',
          path: ['repository', 'pullRequest', 'reviewThreads'],
          message: `Requesting ${first} records on the \`reviewThreads\` connection exceeds the \`first\` limit of ${MAX_FIRST} records.`,
        },
      ],
    };
  }
  const commentsFirst = Number(argument(argsOf(query, 'comments'), 'first', vars) ?? MAX_FIRST);
  const all = [...state.threads.values()].filter((t) => t.pullKey === pullKey);
  const start = indexOf(argument(args, 'after', vars)) + 1;
  const page = all.slice(start, start + first);
  const last = start + page.length - 1;
  return {
    data: {
      repository: {
        pullRequest: {
          number,
          reviewThreads: {
            totalCount: all.length,
            pageInfo: {
              hasNextPage: last < all.length - 1,
              endCursor: page.length > 0 ? cursorOf(last) : null,
            },
            nodes: page.map((thread) => threadJson(thread, commentsFirst)),
          },
        },
      },
    },
  };
}
