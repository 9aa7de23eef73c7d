/**
 * Whether a pull request's head commit passes the checks its base branch requires (issue 26:
 * a pull request is ready for review when it is not a draft and its required checks are
 * green). Read with the permissions the App has (docs/github-app-setup.md):
 *
 *  - "List check runs for a Git reference" `GET /repos/{owner}/{repo}/commits/{ref}/check-runs`
 *    (Checks: read): `{ total_count, check_runs: [{ name, status, conclusion, app { id } }] }`;
 *    `filter=latest` (the default) keeps the most recent run of each check, so a re-run that
 *    passed replaces the failure; paged by `per_page` (at most 100):
 *    https://docs.github.com/en/rest/checks/runs#list-check-runs-for-a-git-reference
 *  - "Get the combined status for a specific reference" `GET …/commits/{ref}/status` (Commit
 *    statuses: read): `statuses`, the latest of each `context` (`error`, `failure`, `pending`,
 *    `success`). Its combined `state` is `pending` when there are no statuses at all, so only
 *    the statuses are read:
 *    https://docs.github.com/en/rest/commits/statuses#get-the-combined-status-for-a-specific-reference
 *  - What the base branch requires. Classic branch protection: the summary "Get a branch"
 *    `GET …/branches/{branch}` (Contents: read) carries, `protection.required_status_checks
 *    { enforcement_level (off, non_admins, everyone), contexts, checks [{ context, app_id }] }`
 *    ("Get status checks protection" `…/protection/required_status_checks` answers the same
 *    but needs Administration: read, which the App does not ask for):
 *    https://docs.github.com/en/rest/branches/branches#get-a-branch
 *    Rulesets: "Get rules for a branch" `GET …/rules/branches/{branch}` (Metadata: read), every
 *    active rule that applies, whatever level configured it; a `required_status_checks` rule
 *    has `parameters.required_status_checks [{ context, integration_id? }]`; paged:
 *    https://docs.github.com/en/rest/repos/rules#get-rules-for-a-branch
 *  - A required check passes when it ran and its conclusion is `success`, `neutral` or
 *    `skipped` (a commit status: `success`); until it reports it is pending:
 *    https://docs.github.com/en/repositories/configuring-branches-and-merges-in-your-repository/managing-protected-branches/about-protected-branches#require-status-checks-before-merging
 */
import { ExternalError } from '@code-factory/errors';
import type { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { callGitHub, parseResponse } from './errors';
import type { RepoRef } from './installation';

export type CheckState = 'passed' | 'pending' | 'failed';

/** A check run or a commit status on a commit. */
export interface CommitCheck {
  /** The check run's name, or the status's context. */
  name: string;
  kind: 'check_run' | 'status';
  state: CheckState;
  /** The GitHub App that reported a check run (null for a status). */
  appId: number | null;
}

/** A check the base branch requires; `appId` null: any app (or a commit status) may report it. */
export interface RequiredCheck {
  context: string;
  appId: number | null;
}

export interface ChecksVerdict {
  /** green: ready; pending: a required check has not passed yet; failing: one failed. */
  state: 'green' | 'pending' | 'failing';
  /** The contexts the base requires (empty: none, every completed check must pass). */
  required: string[];
  pending: string[];
  failing: string[];
}

/** Check runs read at most (pages of 100). */
const MAX_CHECK_RUNS = 500;
const PASSING = new Set(['success', 'neutral', 'skipped']);

const checkRunsSchema = z.object({
  total_count: z.number(),
  check_runs: z.array(
    z.object({
      name: z.string(),
      status: z.string(),
      conclusion: z.string().nullable(),
      app: z.object({ id: z.number() }).nullable().optional(),
    }),
  ),
});

const combinedStatusSchema = z.object({
  statuses: z.array(z.object({ context: z.string(), state: z.string() })),
});

const branchSchema = z.object({
  protection: z
    .object({
      enabled: z.boolean().optional(),
      required_status_checks: z
        .object({
          enforcement_level: z.string().optional(),
          contexts: z.array(z.string()).optional(),
          checks: z
            .array(z.object({ context: z.string(), app_id: z.number().nullable().optional() }))
            .optional(),
        })
        .optional(),
    })
    .optional(),
});

const rulesSchema = z.array(
  z.object({
    type: z.string(),
    parameters: z.unknown().optional(),
  }),
);

const requiredChecksRuleSchema = z.object({
  required_status_checks: z.array(
    z.object({ context: z.string(), integration_id: z.number().nullable().optional() }),
  ),
});

function checkRunState(status: string, conclusion: string | null): CheckState {
  if (status !== 'completed' || conclusion === null) return 'pending';
  return PASSING.has(conclusion) ? 'passed' : 'failed';
}

function statusState(state: string): CheckState {
  if (state === 'success') return 'passed';
  return state === 'pending' ? 'pending' : 'failed';
}

/**
 * The check runs and commit statuses on `ref` (a commit sha). `statusesRead` is false when
 * GitHub refused the statuses (403: an installation that has not accepted the App's *Commit
 * statuses* permission yet); the check runs are still there.
 */
export async function commitChecks(
  octokit: Octokit,
  input: RepoRef & { ref: string },
): Promise<{ checks: CommitCheck[]; statusesRead: boolean }> {
  const action = `checks of ${input.ref.slice(0, 12)} in ${input.owner}/${input.repo}`;
  const checks = await callGitHub(action, async () => {
    const runs: CommitCheck[] = [];
    for (let page = 1; runs.length < MAX_CHECK_RUNS; page++) {
      const res = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/check-runs', {
        owner: input.owner,
        repo: input.repo,
        ref: input.ref,
        filter: 'latest',
        per_page: 100,
        page,
      });
      const data = parseResponse(checkRunsSchema, res.data, action);
      for (const run of data.check_runs) {
        const state = checkRunState(run.status, run.conclusion);
        runs.push({ name: run.name, kind: 'check_run', state, appId: run.app?.id ?? null });
      }
      if (data.check_runs.length < 100 || runs.length >= data.total_count) break;
    }
    return runs;
  });
  try {
    const statuses = await callGitHub(action, async () => {
      const res = await octokit.request('GET /repos/{owner}/{repo}/commits/{ref}/status', {
        owner: input.owner,
        repo: input.repo,
        ref: input.ref,
        per_page: 100,
      });
      return parseResponse(combinedStatusSchema, res.data, action).statuses;
    });
    for (const status of statuses) {
      const state = statusState(status.state);
      checks.push({ name: status.context, kind: 'status', state, appId: null });
    }
    return { checks, statusesRead: true };
  } catch (err) {
    if (!(err instanceof ExternalError && err.status === 403 && err.kind === 'rejected')) throw err;
    return { checks, statusesRead: false };
  }
}

/**
 * The checks `branch` requires: its classic protection's and its rulesets' (a 404, no such
 * branch or no rulesets on this GitHub, requires nothing).
 */
export async function requiredChecks(
  octokit: Octokit,
  input: RepoRef & { branch: string },
): Promise<RequiredCheck[]> {
  const action = `checks required on ${input.branch} in ${input.owner}/${input.repo}`;
  const found: RequiredCheck[] = [];
  const add = (context: string, appId: number | null | undefined) => {
    const id = appId === undefined || appId === null || appId === -1 ? null : appId;
    if (!found.some((c) => c.context === context && c.appId === id)) {
      found.push({ context, appId: id });
    }
  };
  const orNothing = async (read: () => Promise<void>) => {
    try {
      await callGitHub(action, read);
    } catch (err) {
      if (!(err instanceof ExternalError && err.kind === 'not_found')) throw err;
    }
  };
  await orNothing(async () => {
    const res = await octokit.request('GET /repos/{owner}/{repo}/branches/{branch}', {
      owner: input.owner,
      repo: input.repo,
      branch: input.branch,
    });
    const rules = parseResponse(branchSchema, res.data, action).protection?.required_status_checks;
    if (!rules || rules.enforcement_level === 'off') return;
    // `checks` names the app bound to each context; `contexts` alone is the older form.
    for (const check of rules.checks ?? []) add(check.context, check.app_id);
    for (const context of rules.contexts ?? []) {
      if (!found.some((c) => c.context === context)) add(context, null);
    }
  });
  await orNothing(async () => {
    for (let page = 1; page <= 10; page++) {
      const res = await octokit.request('GET /repos/{owner}/{repo}/rules/branches/{branch}', {
        owner: input.owner,
        repo: input.repo,
        branch: input.branch,
        per_page: 100,
        page,
      });
      const rules = parseResponse(rulesSchema, res.data, action);
      for (const rule of rules) {
        if (rule.type !== 'required_status_checks') continue;
        const params = parseResponse(requiredChecksRuleSchema, rule.parameters, action);
        for (const check of params.required_status_checks) add(check.context, check.integration_id);
      }
      if (rules.length < 100) break;
    }
  });
  return found;
}

/**
 * Whether the checks on a commit make it ready: with required checks, each must have reported
 * and passed (a failure: failing; not reported or still running: pending); without any, every
 * completed check must have passed (those still running are not waited for).
 */
export function checksVerdict(checks: CommitCheck[], required: RequiredCheck[]): ChecksVerdict {
  const pending: string[] = [];
  const failing: string[] = [];
  if (required.length === 0) {
    for (const check of checks) if (check.state === 'failed') failing.push(check.name);
  } else {
    for (const want of required) {
      const reported = checks.filter(
        (c) =>
          c.name === want.context &&
          (want.appId === null || c.kind === 'status' || c.appId === want.appId),
      );
      if (reported.some((c) => c.state === 'failed')) failing.push(want.context);
      else if (reported.length === 0 || reported.some((c) => c.state === 'pending')) {
        pending.push(want.context);
      }
    }
  }
  const unique = (names: string[]) => [...new Set(names)];
  const state = failing.length > 0 ? 'failing' : pending.length > 0 ? 'pending' : 'green';
  return {
    state,
    required: unique(required.map((c) => c.context)),
    pending: unique(pending),
    failing: unique(failing),
  };
}
