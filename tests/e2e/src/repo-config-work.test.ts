/**
 * The repo config drives work, end to end: a pushed config with one scheduled job and one
 * failed-run hook gets its schedule and a success check run; a triggered firing opens an
 * issue that the agent receives (and a second firing is skipped while it is open); a failed
 * run on the listed branch opens one issue, a second failure becomes a comment on it, a
 * redelivery changes nothing; an invalid config gets a failing check run and leaves the
 * schedule as it was; removing the job deletes its schedule.
 */
import { repositoryWorkflowId } from '@code-factory/naming';
import { samplePayloads, until } from '@code-factory/testkit';
import { LEAD, type Stack, startStack } from '@code-factory/testkit/stack';
import {
  FAILED_RUN_LABEL,
  REPO_CONFIG_NOTE,
  repoConfigQuery,
  SCHEDULED_LABEL,
  scheduledJobId,
  stateQuery,
} from '@code-factory/workflows';
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
});
afterAll(async () => {
  // Schedules outlive the stack on the shared server: remove the job's, if a failure left it.
  // By its ID, not by listing every schedule of the shared server (slow under load).
  await stack?.client.schedule
    .getHandle(scheduledJobId(stack.repo, 'Nightly deps'))
    .delete()
    .catch(() => undefined);
  await stack?.close();
});

const JOB = `[[scheduled_jobs]]
name = "Nightly deps"
branch = "main"
schedule = "0 3 * * *"
prompt = "Update the dependencies and open a pull request."
`;
const HOOK = `[[on_event.failed_run]]
workflows = ["ci.yml"]
branches = ["main"]
prompt_additions = "Check the flaky e2e suite first."
`;

describe('the repo config drives work', () => {
  it('schedules jobs, opens issues for firings and failed runs, and reports the config on the commit', async () => {
    const { owner, name } = stack.repo;
    const repoHandle = stack.client.workflow.getHandle(repositoryWorkflowId(stack.repo));
    const scheduleId = scheduledJobId(stack.repo, 'Nightly deps');
    const push = async (sha: string, text: string | null) => {
      if (text !== null) stack.github.setFile(owner, name, sha, '.code-factory/config.toml', text);
      const res = await stack.deliver(
        'push',
        samplePayloads.push({ owner, repo: name, after: sha }),
      );
      expect(res.status).toBe(202);
      return until(
        async () => stack.github.checkRuns(owner, name).find((r) => r.headSha === sha),
        `check run on ${sha.slice(0, 7)}`,
      );
    };

    // 1. A valid config: the schedule appears, the check run says what is in force.
    const good = '1'.repeat(40);
    const check = await push(good, `${JOB}\n${HOOK}`);
    expect(check).toMatchObject({
      conclusion: 'success',
      status: 'completed',
      name: 'code-factory config',
    });
    expect(check.output?.summary).toContain(scheduleId);
    expect(check.output?.summary).toContain('ci.yml on main');
    const schedule = stack.client.schedule.getHandle(scheduleId);
    const described = await schedule.describe();
    expect(described.memo).toMatchObject({ job: 'Nightly deps', cron: '0 3 * * *' });
    expect(described.state.note).toContain('Nightly deps');

    // 2. A firing opens an issue as the App, labelled, with the prompt and branch; the agent gets it.
    await schedule.trigger();
    const issue = await until(
      async () => stack.github.issues(owner, name).find((i) => i.labels.includes(SCHEDULED_LABEL)),
      'the scheduled issue',
    );
    expect(issue.title).toMatch(/^Nightly deps: \d{4}-\d{2}-\d{2}$/);
    expect(issue.body).toContain('Update the dependencies');
    expect(issue.body).toContain('`main`');
    expect(issue.author).toBe(stack.github.botLogin);
    const taskId = stack.taskName(issue.number);
    await stack.waitForPhase(taskId, ['ready']);
    const chat = await until(
      async () => stack.coder.chatByLabel('code-factory/task', taskId),
      'the chat of the scheduled issue',
    );
    // No person assigned it: the chat belongs to the service's own Coder user, not LEAD's.
    expect(chat.owner_id).not.toBe(stack.coderUserId);
    const status = await until(
      async () =>
        stack.github
          .comments(owner, name, issue.number)
          .find((c) => c.body.includes(REPO_CONFIG_NOTE)),
      'the status comment with the repo-config note',
    );
    expect(status.user.login).toBe(stack.github.botLogin);
    // No permission was asked for the App bot.
    expect(stack.github.callsTo('GET', /\/collaborators\//).length).toBe(0);

    // 3. A second firing while that issue is open is skipped, visibly.
    // A firing is a run: two firings within one second share a workflow ID (Temporal
    // appends the scheduled time in whole seconds), so tell them apart by run.
    const firings = async () =>
      (await schedule.describe()).info.recentActions.map((a) => ({
        workflowId: a.action.workflow.workflowId,
        runId: a.action.workflow.firstExecutionRunId,
      }));
    const before = await firings();
    // Temporal's own overlap policy skips a trigger while the last firing still runs; wait for
    // it to finish, so what is tested is our rule (the issue is still open), not Temporal's.
    for (const f of before) await stack.client.workflow.getHandle(f.workflowId, f.runId).result();
    await schedule.trigger();
    const second = await until(
      async () => (await firings()).find((f) => !before.some((b) => b.runId === f.runId)),
      'the second firing',
    );
    expect(await stack.client.workflow.getHandle(second.workflowId, second.runId).result()).toEqual(
      {
        outcome: 'skipped',
        openIssue: issue.number,
      },
    );
    expect((await schedule.describe()).state.note).toContain(`#${issue.number}`);
    expect(
      stack.github.issues(owner, name).filter((i) => i.labels.includes(SCHEDULED_LABEL)),
    ).toHaveLength(1);

    // 4. A failed run on main with no agent pull request opens one issue for the agent.
    const runPayload = (runId: number) =>
      samplePayloads.workflowRunCompleted({
        owner,
        repo: name,
        runId,
        conclusion: 'failure',
        headBranch: 'main',
        workflowName: 'CI',
        workflowPath: '.github/workflows/ci.yml',
        event: 'push',
        pullRequests: [],
      });
    for (const runId of [9101, 9102]) {
      stack.github.addWorkflowRun({
        owner,
        repo: name,
        runId,
        headBranch: 'main',
        jobs: [
          { id: runId * 10, name: 'test', conclusion: 'failure', log: `boom in run ${runId}\n` },
        ],
      });
    }
    const first = await stack.deliver('workflow_run', runPayload(9101), 'run-9101');
    expect(first.status).toBe(202);
    const failedIssue = await until(
      async () => stack.github.issues(owner, name).find((i) => i.labels.includes(FAILED_RUN_LABEL)),
      'the failed-run issue',
    );
    expect(failedIssue.body).toContain('boom in run 9101');
    expect(failedIssue.body).toContain('Check the flaky e2e suite first.');
    const failedTask = stack.taskName(failedIssue.number);
    await stack.waitForPhase(failedTask, ['ready']);

    // A redelivery and a re-run of the same run open nothing; a second failure is a comment,
    // forwarded to the agent.
    await stack.deliver('workflow_run', runPayload(9101), 'run-9101');
    await stack.deliver('workflow_run', runPayload(9101), 'run-9101-attempt-2');
    await stack.deliver('workflow_run', runPayload(9102), 'run-9102');
    const again = await until(
      async () =>
        stack.github
          .comments(owner, name, failedIssue.number)
          .find((c) => c.body.includes('boom in run 9102')),
      'the comment of the second failure',
    );
    const failedChat = await until(
      async () => stack.coder.chatByLabel('code-factory/task', failedTask),
      'the failed-run chat',
    );
    await until(
      async () =>
        stack.coder.chatMessages(failedChat.id).some((m) => m.text.includes('boom in run 9102')),
      'the second failure reaching the agent',
    );
    expect(
      stack.github.issues(owner, name).filter((i) => i.labels.includes(FAILED_RUN_LABEL)),
    ).toHaveLength(1);
    expect(
      stack.github
        .comments(owner, name, failedIssue.number)
        .filter((c) => c.body.includes('CI failed again')),
    ).toEqual([again]);

    // 5. An invalid config: failing check run with each error at its line; the schedule stays.
    const bad = '2'.repeat(40);
    const badCheck = await push(
      bad,
      `[[scheduled_jobs]]\nname = "Nightly deps"\nbranch = "main"\nschedule = "0 3 * *"\nprompt = "x"\n\n[[on_event.failed_run]]\nworkflows = []\nbranches = ["main"]\n`,
    );
    expect(badCheck.conclusion).toBe('failure');
    expect(badCheck.output?.summary).toContain('not applied');
    expect(badCheck.output?.summary).toContain(good.slice(0, 7));
    expect(badCheck.output?.annotations).toEqual([
      expect.objectContaining({
        start_line: 4,
        message: 'scheduled_jobs.0.schedule: must be a cron expression with five fields',
      }),
      expect.objectContaining({
        start_line: 8,
        message: 'on_event.failed_run.0.workflows: must list at least one workflow',
      }),
    ]);
    expect((await schedule.describe()).memo).toMatchObject({ cron: '0 3 * * *' });
    expect((await repoHandle.query(repoConfigQuery)).sha).toBe(good);

    // A job on a branch that does not exist is an error too.
    const noBranch = '3'.repeat(40);
    const branchCheck = await push(noBranch, JOB.replace('branch = "main"', 'branch = "nope"'));
    expect(branchCheck.output?.annotations?.[0]).toMatchObject({
      start_line: 3,
      message: 'scheduled_jobs.0.branch: no such branch in the repository',
    });

    // 6. Removing the job deletes its schedule.
    const removed = '4'.repeat(40);
    const removedCheck = await push(removed, HOOK);
    expect(removedCheck.conclusion).toBe('success');
    await expect(schedule.describe()).rejects.toBeInstanceOf(ScheduleNotFoundError);

    // The scheduled task is still a normal task: closing the issue cleans it up.
    const state = await stack.client.workflow.getHandle(taskId).query(stateQuery);
    expect(state.assignment?.sender.login).toBe(stack.github.botLogin);
    expect(LEAD.login).not.toBe(state.assignment?.sender.login);
  }, 90_000);
});
