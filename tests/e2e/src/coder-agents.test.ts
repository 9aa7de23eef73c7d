/**
 * Coder Agents against today's Coder (the fake's `2.39` release): live progress pushed
 * from Coder's chat stream, polling only while the stream is down, the owner fallback,
 * agent errors a person must fix, and a close that completes whatever GitHub says.
 */
import { ConfigError, parseEnv, WorkerConfigSchema } from '@code-factory/config';
import { samplePayloads, until } from '@code-factory/testkit';
import {
  AGENT_LOGIN,
  historyOutline,
  holdCommentBehindAgentError,
} from '@code-factory/testkit/stack';
import { detectBackend } from '@code-factory/worker';
import { retryUpdate, stateQuery } from '@code-factory/workflows';
import { describe, expect, it, onTestFinished } from 'vitest';
import { suiteStack } from './suite-stack';

describe('Coder Agents on Coder 2.39', () => {
  const stack = suiteStack({
    coderTimings: { chatRunningMs: 100 },
    workerEnv: { AGENT_POLL_INTERVAL_MS: '50' },
  });

  it('refuses CODER_BACKEND=tasks at start, naming the fix', async () => {
    const config = parseEnv(WorkerConfigSchema, {
      APP_ID: '1',
      PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\nx\n-----END PRIVATE KEY-----',
      CODER_URL: stack.coder.url,
      CODER_TOKEN: stack.coder.token,
      CODER_BACKEND: 'tasks',
    });
    const err = await detectBackend(config).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ConfigError);
    expect(String((err as Error).message)).toMatch(
      /CODER_BACKEND=tasks.*v2\.39\.\d+ has no Tasks API/,
    );
    expect(String((err as Error).message)).toContain('Unset CODER_BACKEND');
  });

  it('follows the agent on the issue by push, and polls only while the stream is down', async () => {
    const number = 7101;
    const name = await stack.assignUntilReady(number, 'Live progress');
    const chat = await stack.chatOf(name);
    expect(chat.owner_id).toBe(stack.coderUserId);
    await until(() => stack.coder.watchConnections() >= 1, 'a chat stream');
    await stack.statusSays(number, 'is idle');
    // Reads of the chat: by its ID, or in a list of the owner's chats (how a poll reads).
    const reads = () =>
      stack.coder.callsTo('GET', new RegExp(`/api/v2/chats(/${chat.id})?$`)).length;
    const readsBefore = reads();

    // Pushed: the agent waits for a person, then opens a pull request and finishes a turn.
    stack.coder.requireAction(chat.id);
    const waiting = await stack.statusSays(number, 'waiting for you');
    expect(waiting).toContain(`[Open in Coder](${stack.coder.url}/agents/${chat.id})`);
    const prUrl = `https://github.com/${stack.repo.owner}/${stack.repo.name}/pull/77`;
    stack.coder.setChatDiff(chat.id, { pull_request_url: prUrl });
    stack.coder.setChatSummary(chat.id, {
      last_turn_summary: 'Renamed the flag and added a test.',
    });
    stack.coder.setChatStatus(chat.id, 'waiting');
    await stack.statusSays(number, [
      'is idle',
      `Pull request: ${prUrl} (#77, open)`,
      'Latest turn: Renamed the flag and added a test.',
    ]);
    expect(stack.statusComments(number)).toHaveLength(1);
    // None of that cost a request to Coder: it was pushed.
    expect(reads()).toBe(readsBefore);

    // The stream goes away for a while: the product polls, and still sees the change.
    stack.coder.cutStreams({ refuseForMs: 1_500 });
    stack.coder.requireAction(chat.id);
    await stack.statusSays(number, 'waiting for you');
    expect(reads()).toBeGreaterThan(readsBefore);
    // Back: the stream is reconnected and carries the next change again.
    await until(() => stack.coder.watchConnections() >= 1, 'the stream back', 10_000);
    stack.coder.setChatStatus(chat.id, 'running');
    await stack.statusSays(number, 'is working');
    const snapshot = await stack.client.workflow.getHandle(name).query(stateQuery);
    expect(snapshot.live).toMatchObject({ status: 'running', readiness: 'busy' });
    expect(snapshot.counts.agentUpdates).toBeGreaterThan(3);
  });

  it('explains an agent error a person must fix once, holds comments, and goes on after a retry', async () => {
    const number = 7102;
    stack.coder.setUsageLimitReached(true);
    const name = await stack.assign(number, 'Budget spent');
    await stack.waitForPhase(name, ['waiting-for-budget']);
    const parked = await stack.statusSays(number, 'usage or budget limit');
    expect(parked).toContain('The comments are kept');
    const chat = await stack.chatOf(name);
    const comment = await stack.deliver(
      'issue_comment',
      samplePayloads.issueComment({
        owner: stack.repo.owner,
        repo: stack.repo.name,
        issueNumber: number,
        body: 'please also update the docs',
        commentId: number * 10,
      }),
    );
    expect(comment.status).toBe(202);
    const handle = stack.client.workflow.getHandle(name);
    await until(
      async () => (await handle.query(stateQuery)).pending.length === 1,
      'the comment held',
    );
    expect(stack.coder.chatMessages(chat.id)).toHaveLength(1);

    stack.coder.setUsageLimitReached(false);
    await handle.executeUpdate(retryUpdate);
    const texts = await until(() => {
      const sent = stack.coder.chatMessages(chat.id).map((m) => m.text);
      return sent.length >= 2 ? sent.join('\n') : undefined;
    }, 'the held comment delivered');
    expect(texts).toContain('please also update the docs');
    expect(texts).toContain('The problem that stopped you has been fixed');
    expect(stack.statusComments(number)).toHaveLength(1);
  });

  it('completes the close when the status comment cannot be updated', async () => {
    const number = 7103;
    const name = await stack.assignUntilReady(number, 'Close anyway');
    const chat = await stack.chatOf(name);
    stack.github.fail({
      method: 'PATCH',
      path: /\/issues\/comments\/\d+$/,
      status: 422,
      times: 20,
    });
    // Left armed by a failure here, the fault would fail the next tests' status edits too.
    onTestFinished(() => stack.github.reset());
    await stack.deliverAccepted('issues', samplePayloads.issueClosed(stack.issue(number)));
    const handle = stack.client.workflow.getHandle(name);
    expect(await handle.result()).toBe('closed');
    // The query replays the closed run from its history. It failed once in CI (a
    // nondeterminism not reproduced since): the history's outline goes with the error.
    const state = await handle.query(stateQuery).catch(async (err: unknown) => {
      throw new Error(`${err}\nhistory of ${name}:\n${await historyOutline(handle)}`);
    });
    expect(state.counts.cleanupFailures).toBe(1);
    expect(stack.coder.chatByLabel('code-factory/task', name)?.archived).toBe(true);
    expect(chat.id).toBeTruthy();
  });

  it('sends a held comment as soon as Coder clears the error, even while the start-up run waits to continue as new', async () => {
    // The start-up run continues as new from a workflow task of its own, after a 1 ms timer
    // that the server may take up to a second to fire. Work arriving meanwhile goes first
    // (patch continue-yields-to-work); before it, the held comment waited for the next run.
    // Whether an attempt lands in that window is the server's timing, so the scenario is tried
    // a few times: at least one must show the comment sent by the start-up run itself.
    let sentByStartUpRun = 0;
    for (let attempt = 0; attempt < 8 && sentByStartUpRun === 0; attempt++) {
      const number = 7110 + attempt;
      const name = await stack.assign(number, 'Held while continuing');
      const handle = stack.client.workflow.getHandle(name);
      await until(async () => (await handle.query(stateQuery)).phase === 'ready', 'ready');
      const body = `held during the continue-as-new ${attempt}`;
      const { chatId } = await holdCommentBehindAgentError(stack, number, name, body);
      stack.coder.setChatStatus(chatId, 'waiting');
      await until(
        () => stack.coder.chatMessages(chatId).some((m) => m.text.includes(body)),
        'the held comment sent',
      );
      // What the start-up run carried into the next one: the comment already sent, or not.
      const firstRun = (await handle.describe()).raw.workflowExecutionInfo?.firstRunId ?? undefined;
      const startUp = stack.client.workflow.getHandle(name, firstRun);
      await until(
        async () => (await startUp.describe()).status.name === 'CONTINUED_AS_NEW',
        'the start-up run continued as new',
      );
      const history = await startUp.fetchHistory();
      const continued = history.events?.find(
        (e) => e.workflowExecutionContinuedAsNewEventAttributes,
      )?.workflowExecutionContinuedAsNewEventAttributes;
      const payload = continued?.input?.payloads?.[0];
      if (!payload?.data) continue;
      const input = JSON.parse(Buffer.from(payload.data).toString()) as {
        carried?: { counts: { forwardedItems: number }; inbox: unknown[] };
      };
      if ((input.carried?.counts.forwardedItems ?? 0) >= 1) {
        expect(input.carried?.inbox).toEqual([]);
        sentByStartUpRun++;
      }
    }
    expect(sentByStartUpRun).toBe(1);
  });
  it('shows a chat Coder holds for a free agent slot as queued in Coder, then goes on', async () => {
    const number = 7131;
    // The deployment is at its limit of concurrent agents: the new chat waits for a slot.
    stack.coder.setCapacity(0);
    try {
      const name = await stack.assign(number, 'At the agent limit');
      await stack.chatOf(name);
      await stack.statusSays(number, 'Queued in Coder');
    } finally {
      stack.coder.setCapacity(null);
    }
    await stack.statusSays(number, 'is idle');
  });

  it('lists every pull request the agent opened, and routes one in another repository to the issue', async () => {
    const number = 7121;
    const name = await stack.assignUntilReady(number, 'Two repositories');
    const chat = await stack.chatOf(name);
    // The agent opened a pull request here and one in the docs repository, which closes the
    // issue from there ("Fixes owner/widgets#7121").
    const docs = { owner: stack.repo.owner, name: 'docs' };
    const here = `https://github.com/${stack.repo.owner}/${stack.repo.name}/pull/71`;
    const there = `https://github.com/${docs.owner}/${docs.name}/pull/5`;
    stack.coder.setChatDiffs(chat.id, [
      { pull_request_url: here, git_branch: 'agent/7121', remote_origin: 'widgets' },
      { pull_request_url: there, git_branch: 'agent/7121-docs', remote_origin: 'docs' },
    ]);
    const body = await stack.statusSays(number, ['Pull requests (2):', here, there]);
    expect(body).toContain('(#5, open)');
    stack.github.addPullRequest({
      owner: docs.owner,
      repo: docs.name,
      number: 5,
      author: AGENT_LOGIN,
      headSha: 'd0c5d0c5d0c5d0c5',
      headRef: 'agent/7121-docs',
    });
    stack.github.linkIssue(docs.owner, docs.name, 5, number, stack.repo);
    const sent = await stack.deliver(
      'pull_request_review_comment',
      samplePayloads.reviewComment({
        owner: docs.owner,
        repo: docs.name,
        prNumber: 5,
        headSha: 'd0c5d0c5d0c5d0c5',
        body: 'docs review: fix the heading',
        path: 'README.md',
        line: 3,
        commentId: 712101,
      }),
    );
    expect(sent.status).toBe(202);
    await until(
      () => stack.agentTexts(name)?.some((t) => t.includes('docs review: fix the heading')),
      'the docs review comment reached the issue’s agent',
    );
  });
});

describe.each([
  {
    what: 'a plain member’s token, which sees no other user',
    release: '2.39',
    coderOptions: { tokenUserRole: 'member' },
    says: 'is not an Owner or user admin',
  },
  {
    what: 'a user admin’s token, which may not act for others',
    release: '2.39',
    coderOptions: { tokenUserRole: 'user-admin' as const },
    says: 'did not let the service act for',
  },
  {
    what: 'Coder 2.37, which ignores owner_id',
    release: '2.37',
    coderOptions: {},
    says: 'This Coder release cannot create a chat for another user',
  },
] as const)('owner fallback with $what', ({ release, coderOptions, says }) => {
  const stack = suiteStack({ coderRelease: release, coderOptions });

  it('runs the chat as the service user and says so once on the issue', async () => {
    const number = release === '2.37' ? 7201 : 7202;
    const name = await stack.assignUntilReady(number, 'Fallback');
    const chat = await stack.chatOf(name);
    expect(chat.owner_id).not.toBe(stack.coderUserId);
    const body = await stack.statusSays(number, says);
    expect(body.split(says)).toHaveLength(2);
    expect(stack.statusComments(number)).toHaveLength(1);
  });
});

describe('live progress edits the status comment at most once per interval', () => {
  const stack = suiteStack({
    coderTimings: { chatRunningMs: 50 },
    workerEnv: { STATUS_COMMENT_INTERVAL_MS: '600000' },
  });

  it('holds back an edit while the interval runs, whatever Coder pushes', async () => {
    const number = 7301;
    const name = await stack.assignUntilReady(number, 'Throttled');
    const chat = await stack.chatOf(name);
    const [comment] = await until(
      () => (stack.statusComments(number).length === 1 ? stack.statusComments(number) : false),
      'the status comment',
    );
    const edits = () =>
      stack.github.callsTo('PATCH', new RegExp(`/issues/comments/${comment?.id}$`)).length;
    const editsBefore = edits();
    const handle = stack.client.workflow.getHandle(name);
    await until(() => stack.coder.watchConnections() >= 1, 'the chat stream');
    const updatesBefore = (await handle.query(stateQuery)).counts.agentUpdates ?? 0;
    stack.coder.requireAction(chat.id);
    stack.coder.setChatSummary(chat.id, { last_turn_summary: 'one' });
    stack.coder.setChatStatus(chat.id, 'waiting');
    // The workflow took the changes (the positive signal), and kept them for later.
    const state = await until(async () => {
      const s = await handle.query(stateQuery);
      return (s.counts.agentUpdates ?? 0) > updatesBefore &&
        s.live?.summary === 'one' &&
        s.live.status === 'waiting'
        ? s
        : undefined;
    }, 'the pushed changes taken');
    expect(state.liveDirty).toBe(true);
    expect(edits()).toBe(editsBefore);
  });
});
