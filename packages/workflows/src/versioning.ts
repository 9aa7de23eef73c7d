/**
 * How the workflows change after 1.0 (the policy: docs/architecture.md#versioning). A change to
 * a workflow's commands (an activity, timer, signal, child, search-attribute upsert or
 * continue-as-new added, removed or reordered) is made behind `patched` with its id here,
 * next to a recording of the new shape; the old recordings stay as they are and keep replaying.
 * `tests/replay/src/policy.test.ts` holds the code, this list and the recordings to it.
 *
 * The life of an entry:
 * - `patched`: the code asks `patched` with the id and keeps the old branch.
 * - `deprecated`: no open run started before `deployedAt` (a visibility query says so): the
 *   old branch goes and the code calls `deprecatePatch` with it.
 * - `retired`: the namespace's retention has passed since it was deprecated: the call goes
 *   too, and so do the recordings of the old shape (listed in `retiredRecordings`).
 */
export interface WorkflowChange {
  /** The id the code asks `patched` and `deprecatePatch` with: kebab-case, never reused. */
  id: string;
  /** The workflow type whose commands change. */
  workflow: string;
  /** What changed, in a sentence. */
  change: string;
  state: 'patched' | 'deprecated' | 'retired';
  /** When the first worker with the change was deployed (ISO date); null until it is. */
  deployedAt: string | null;
  /** Recordings (file names in the histories folder) of the new shape. */
  recordings: string[];
  /** Recordings of the old shape removed when the entry retired. */
  retiredRecordings?: string[];
}

/** Release 1.0 of the workflow shapes: every recording before it was replaced, no patch left. */
export const BASELINE = '1.0';

/** Changes since 1.0, oldest first. */
export const WORKFLOW_CHANGES: readonly WorkflowChange[] = [
  {
    id: 'shepherd-lanes',
    workflow: 'taskWorkflow',
    change:
      'A lane reads the review threads (on a review, and when the agent goes idle) and keeps durable timers for the review, waiting and idle reminders; asked at run start.',
    state: 'patched',
    deployedAt: null,
    recordings: [
      'task-shepherd-life.shepherd-lanes.earlier-1.json',
      'task-shepherd-life.shepherd-lanes.json',
    ],
  },
  {
    id: 'repository-shepherd',
    workflow: 'repositoryWorkflow',
    change:
      'A failed run of an agent pull request has its failed jobs re-run (rerunFailedJobs) before the agent is told, a re-run that passes signals ci.flaked (flakyJobs); branch pushes signal pr.moved to the pull requests they move (agentPullRequestsOnBranch, after a config push too); merge-queue exits signal pr.dequeued (linkedIssues, agentPullRequest, failedChecksAt).',
    state: 'patched',
    deployedAt: null,
    recordings: ['repository-config-and-routing.repository-shepherd.json'],
  },
  {
    id: 'held-input',
    workflow: 'taskWorkflow',
    change:
      'Comments and reviews from outside the trust list (the ingress now sends them, marked untrusted) are held, shown on the status comment (upsertStatusComment from the control lane) and let through by `/agent approve` or dropped by `/agent deny` (a reply each); before it they are dropped and those verbs get the help reply. Asked at run start, before the handlers are set.',
    state: 'patched',
    deployedAt: null,
    recordings: ['task-held-input.held-input.json'],
  },
  {
    id: 'issue-cost',
    workflow: 'taskWorkflow',
    change:
      'The issue keeps what its agents cost (agentUpdate carries the chat cost); at limits.max_cost_per_issue the budget lane interrupts the agent (interruptAgent), tells the issue once (postComment) and shows it (upsertStatusComment), and waits in waiting-for-budget without the retry timer until /agent budget or retry; asked at run start.',
    state: 'patched',
    deployedAt: null,
    recordings: ['task-cost-budget.issue-cost.json'],
  },
  {
    id: 'status-clock',
    workflow: 'taskWorkflow',
    change:
      'The status lane chooses between editing now and a timer for the rest of STATUS_COMMENT_INTERVAL_MS by the time of the last event the run heard (a message, an activity or timer of its own), not Date.now(), which live can be later than on replay after a local activity (seen: a 1 ms timer live, an edit on replay); asked at run start.',
    state: 'patched',
    deployedAt: null,
    recordings: ['task-agents-live-close.status-clock.json'],
  },
  {
    id: 'follow-through',
    workflow: 'taskWorkflow',
    change:
      'A close whose agent pull request merged (mergedPullRequest) and whose repository watches merges continues as new into `following`: a failed run at the merge commit is compared with its parent (checkMergeRegression), a regression told once (postComment), the issue reopened (reopenIssue) and the task continued as new into a new start; a revert is told and ends the watch; a durable timer ends it otherwise (upsertStatusComment); asked at run start.',
    state: 'patched',
    deployedAt: null,
    recordings: [
      'task-follow-through.follow-through.earlier-2.json',
      'task-follow-through.follow-through.earlier-1.json',
      'task-follow-through.follow-through.json',
    ],
  },
  {
    id: 'follow-through-routes',
    workflow: 'repositoryWorkflow',
    change:
      'A merged agent pull request (route.merged) is remembered with its linked issues (linkedIssues); a failed run at its merge commit signals merge.ci-failed to those tasks instead of the triage, and a revert (config.push reverts, route.reverted) signals merge.reverted.',
    state: 'patched',
    deployedAt: null,
    recordings: ['repository-follow-through.follow-through-routes.json'],
  },
  {
    id: 'settings-activity',
    workflow: 'taskWorkflow',
    change:
      "The worker and repository settings a run reads (taskSettings, at the start of a continued run and after the agent is started) come from an activity instead of a local activity: live, a local activity's result reached the code a workflow task after the agent's pushes, and on replay before them (the status comment edited on replay where the run had not); asked at run start.",
    state: 'patched',
    deployedAt: null,
    recordings: ['task-agents-live-close.settings-activity.json'],
  },
];
