/**
 * Deterministic task names: `{prefix}-{repo}-{issueNumber}`, at most 32 characters (Coder's cap).
 *
 * The name is the Temporal workflow ID and the Coder task/chat name, so the ingress and the
 * worker must compute it identically. When the repository name has to be shortened or
 * rewritten to fit Coder's naming rules, its tail becomes a short hash of `owner/repo`, so
 * two repositories never share a name silently. Pure code: safe inside workflow sandboxes.
 */

export const MAX_TASK_NAME_LENGTH = 32;
const HASH_LENGTH = 6;

export interface RepoRef {
  owner: string;
  name: string;
}

export class TaskNameError extends Error {
  override name = 'TaskNameError';
}

/** FNV-1a (32 bit) of the text, in base 36, padded: stable across processes and platforms. */
export function shortHash(text: string): string {
  let hash = 0x811c9dc5;
  for (const byte of new TextEncoder().encode(text)) {
    hash ^= byte;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(36).padStart(HASH_LENGTH, '0').slice(-HASH_LENGTH);
}

/** Coder names allow lowercase letters, digits and single dashes between them. */
function slug(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function taskName(prefix: string, repo: RepoRef, issueNumber: number): string {
  if (!Number.isInteger(issueNumber) || issueNumber <= 0) {
    throw new TaskNameError(`issue number must be a positive integer, got ${issueNumber}`);
  }
  const cleanPrefix = slug(prefix);
  if (cleanPrefix === '' || cleanPrefix !== prefix) {
    throw new TaskNameError(
      'task name prefix must be lowercase letters, digits and single inner dashes',
    );
  }
  const suffix = `-${issueNumber}`;
  const budget = MAX_TASK_NAME_LENGTH - cleanPrefix.length - 1 - suffix.length;
  if (budget < HASH_LENGTH + 2) {
    throw new TaskNameError(`task name prefix "${prefix}" leaves no room for the repository`);
  }
  const repoSlug = slug(repo.name);
  const lossless = repoSlug === repo.name.toLowerCase() && repoSlug.length > 0;
  if (lossless && repoSlug.length <= budget) {
    return `${cleanPrefix}-${repoSlug}${suffix}`;
  }
  const hash = shortHash(`${repo.owner}/${repo.name}`.toLowerCase());
  const head = repoSlug.slice(0, budget - HASH_LENGTH - 1).replace(/-+$/, '');
  const repoPart = head ? `${head}-${hash}` : hash;
  return `${cleanPrefix}-${repoPart}${suffix}`;
}

/** `owner/repo` as GitHub shows it; comparisons are case-insensitive like GitHub's. */
export function repoFullName(repo: RepoRef): string {
  return `${repo.owner}/${repo.name}`;
}

export function sameRepo(a: RepoRef, b: RepoRef): boolean {
  return repoFullName(a).toLowerCase() === repoFullName(b).toLowerCase();
}

/**
 * Workflow ID of the repository's workflow: it holds the repo config and routes
 * pull-request and CI events to the issue they belong to.
 */
export function repositoryWorkflowId(repo: RepoRef): string {
  return `repo-${repoFullName(repo).toLowerCase()}`;
}

/**
 * Workflow ID of the concurrency-slots workflow of one installation
 * (`MAX_ACTIVE_AGENTS_PER_INSTALLATION`).
 */
export function installationSlotsId(installationId: number): string {
  if (!Number.isInteger(installationId) || installationId <= 0) {
    throw new TaskNameError(`installation id must be a positive integer, got ${installationId}`);
  }
  return `slots-installation-${installationId}`;
}

/**
 * Workflow ID of the concurrency-slots workflow of one repository (repo config
 * `[limits] max_active_agents`). Lower case, with a slash between owner and repository like
 * `repositoryWorkflowId`: a dash there would let `a-b/c` and `a/b-c` share one scope.
 */
export function repoSlotsId(repo: RepoRef): string {
  return `slots-repo-${repoFullName(repo).toLowerCase()}`;
}
