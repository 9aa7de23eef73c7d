/**
 * The start: permission, the Coder user, the slots, then the agent (created or adopted by
 * name). A pushed agent (Coder Agents) takes messages at once; a polled one (Coder Tasks) is
 * waited for in one heartbeating activity.
 */
import type { IssueAssigned } from '@code-factory/events';
import { installationSlotsId, repoSlotsId } from '@code-factory/naming';
import { log } from '@temporalio/workflow';
import type { AgentLiveStatus, AgentRef } from '../activities';
import { REPO_CONFIG_NOTE } from '../repo-work';
import {
  acts,
  coderStartOptions,
  coderWaitingOptions,
  githubOptions,
  waitingOptions,
} from '../task/options';
import type { TaskRun } from '../task/run';
import { agentErrorFailure, heldView, liveView } from '../task/views';
import { takeSlots } from './slots';

export async function start(run: TaskRun, assignment: IssueAssigned): Promise<void> {
  const { task } = run;
  task.assign(assignment);
  run.publishPhase();
  const ref = { installationId: assignment.installationId, ...run.issue };
  // Work the repository's config asked for (the App opened the issue): no permission check,
  // the agent runs as the service's Coder user.
  const fromConfig = assignment.origin === 'repo-config';
  // The gate: the repository takes this trigger, and the requester may write to it.
  const permission: { allowed: boolean; permission: string; refused?: string } = fromConfig
    ? { allowed: true, permission: 'repo-config' }
    : await acts.checkAssignerPermission.executeWithOptions(
        { ...githubOptions, summary: `permission of @${assignment.sender.login}` },
        [
          {
            ...ref,
            login: assignment.sender.login,
            ...(assignment.trigger ? { trigger: assignment.trigger } : {}),
            ...(assignment.label ? { label: assignment.label } : {}),
          },
        ],
      );
  if (!permission.allowed) {
    log.info(
      permission.refused
        ? 'start skipped: the repository does not take this trigger'
        : 'start skipped: sender lacks write permission',
      {
        login: assignment.sender.login,
        trigger: assignment.trigger ?? 'assign',
        permission: permission.permission,
        ...(permission.refused ? { reason: permission.refused } : {}),
      },
    );
    task.skipAssignment();
    run.publishPhase();
    return;
  }
  const identity = await acts.resolveCoderIdentity.executeWithOptions(
    {
      ...coderWaitingOptions,
      summary: fromConfig
        ? 'Coder user of the service'
        : `Coder user of @${assignment.sender.login}`,
    },
    [
      {
        ...ref,
        githubUserId: assignment.sender.id,
        githubLogin: assignment.sender.login,
        ...(fromConfig ? { asService: true } : {}),
      },
    ],
  );
  task.identified(identity.backend);
  run.publishPhase();
  await takeSlots(run, [
    {
      scope: repoSlotsId(run.input.repository),
      limit: identity.repoConfig?.limits?.max_active_agents,
    },
    {
      scope: installationSlotsId(assignment.installationId),
      limit: identity.limits?.perInstallation,
    },
  ]);
  // A new agent for a merge that broke its branch (follow-through): the failure comes first.
  const followUp = task.follow.followUp;
  const started = await acts.startAgent.executeWithOptions(
    { ...coderStartOptions, summary: `start ${identity.backend} agent ${run.input.taskName}` },
    [
      {
        ...ref,
        backend: identity.backend,
        taskName: run.input.taskName,
        owner: identity.owner,
        ...(identity.ownerId ? { ownerId: identity.ownerId } : {}),
        issueUrl: assignment.issue.url,
        issueTitle: assignment.issue.title,
        repoConfig: identity.repoConfig,
        ...(followUp ? { regression: JSON.parse(JSON.stringify(followUp)) } : {}),
        ...(assignment.mention
          ? {
              instruction: {
                line: assignment.mention.line,
                author: assignment.sender.login,
                ...(assignment.mention.association
                  ? { association: assignment.mention.association }
                  : {}),
                url: assignment.mention.url,
              },
            }
          : {}),
      },
    ],
  );
  const startNote = fromConfig
    ? REPO_CONFIG_NOTE
    : followUp
      ? againNote(followUp)
      : triggerNote(assignment);
  const ownerNote = fromConfig
    ? REPO_CONFIG_NOTE
    : [startNote, started.ownerFallback].filter((n) => n !== undefined).join(' ') || undefined;
  if (task.coderAnswered()) log.info('Coder answers again; starting the agent');
  task.started({ agent: started.agent, ...(ownerNote ? { ownerNote } : {}) });
  log.info(started.adopted ? 'adopted existing agent' : 'agent created', {
    agentId: started.agent.id,
    ownerFallback: started.ownerFallback !== undefined,
  });
  const updatesBefore = task.state.counts.agentUpdates;
  await run.loadSettings();
  if (started.agent.pushed === true) {
    // Pushed while the settings were read (an activity since `settings-activity`): newer than
    // what the start saw, so it stays.
    const pushedMeanwhile =
      run.settingsByActivity && task.state.counts.agentUpdates > updatesBefore;
    await startPushed(run, started.agent, pushedMeanwhile ? undefined : started.status);
    return;
  }
  const note = startNote ? { note: startNote } : {};
  await run.showStatus({ state: 'created', agentUrl: started.agent.url, ...note });
  await waitUntilReady(run, started.agent, false);
  task.held.shown();
  await run.showStatus({
    state: 'running',
    agentUrl: started.agent.url,
    pullRequestUrl: task.state.pullRequestUrl ?? undefined,
    ...note,
    ...heldView(task),
  });
  run.becomeReady();
}

/**
 * Coder pushes this chat's changes; it takes messages at once unless it reports an error a
 * person must fix. No readiness wait, no "starting" comment to edit later.
 */
async function startPushed(
  run: TaskRun,
  agent: AgentRef,
  status: AgentLiveStatus | undefined,
): Promise<void> {
  const { task } = run;
  task.live.adopt(status);
  const blocking = task.live.blockingError();
  if (blocking) {
    // The chat exists and holds the brief; it cannot run until a person acts. Park it like a
    // delivery that waits, so a retry (or Coder clearing the error) goes on.
    await run.failures.handle(agentErrorFailure(blocking), 'deliver');
    return;
  }
  // Marked before the edit: an update pushed while it runs is shown by the status lane.
  task.live.liveShown(run.clock());
  task.held.shown();
  await run.showStatus(liveView(task, agent));
  // An error pushed while the comment was written parks the task all the same.
  const pushedMeanwhile = task.live.blockingError();
  if (pushedMeanwhile) {
    await run.failures.handle(agentErrorFailure(pushedMeanwhile), 'deliver');
    return;
  }
  run.becomeReady();
}

/**
 * A polled agent (Coder Tasks) until it takes input. `markReady: false` while starting: the
 * phase turns ready only once the issue says so.
 */
export async function waitUntilReady(
  run: TaskRun,
  agent: AgentRef,
  markReady = true,
): Promise<void> {
  const { task } = run;
  run.showDetails('Waiting for the agent to be ready.');
  const ready = await acts.waitForAgentReady.executeWithOptions(
    { ...waitingOptions, summary: `wait until ${agent.name} is ready` },
    [{ agent }],
  );
  if (markReady) run.becomeReady();
  if (ready.pullRequestUrl && task.pullRequestSeen(ready.pullRequestUrl)) {
    // The agent opened a pull request: link it from the issue.
    log.info('agent opened a pull request', { pullRequestUrl: ready.pullRequestUrl });
    if (task.state.statusComment.id !== null) {
      await run.showStatus({
        state: 'running',
        agentUrl: agent.url,
        pullRequestUrl: ready.pullRequestUrl,
      });
    }
  }
}

/** What the status comment says of an agent started again for a merge that broke its branch. */
function againNote(regression: { pullRequest: { number: number }; branch: string }): string {
  return `Started again: the merge of #${regression.pullRequest.number} broke CI on \`${regression.branch}\`.`;
}

/** What the status comment says of a start that was not an assignment. */
export function triggerNote(start: IssueAssigned): string | undefined {
  const by = `@${start.sender.login}`;
  if (start.trigger === 'mention') return `Started because ${by} mentioned the agent.`;
  if (start.trigger === 'label') {
    return `Started because ${by} added the \`${start.label ?? ''}\` label.`;
  }
  return undefined;
}
