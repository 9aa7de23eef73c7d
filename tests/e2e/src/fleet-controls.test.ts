/**
 * Fleet controls end to end (issue 14): `/agent` commands on the issue, pause and resume,
 * the repository's concurrency limit, and one reminder per stuck period. Real Temporal, the
 * real worker and ingress, fake Coder (Coder Agents) and fake GitHub.
 */
import {
  COMMAND_REPLIES,
  commandHelp,
  NOTHING_TO_RETRY_REPLY,
  STATUS_MARKER,
  STOP_ON_TASKS_REPLY,
} from '@code-factory/messages';
import { outOfOrder, samplePayloads, until } from '@code-factory/testkit';
import { seedAgentReview } from '@code-factory/testkit/stack';
import {
  pauseSignal,
  resumeSignal,
  SearchAttributes,
  stateQuery,
  stuckReminderSignal,
} from '@code-factory/workflows';
import { describe, expect, it } from 'vitest';
import { issueOf, type Repo } from './repo-issue';
import { suiteStack } from './suite-stack';

const stack = suiteStack({ coderTimings: { chatRunningMs: 100 } });

function comments(number: number, repo: Repo = stack.repo) {
  return stack.github.comments(repo.owner, repo.name, number);
}

/** Comments that are neither the status comment nor written by a test. */
function replies(number: number): string[] {
  return comments(number)
    .map((c) => c.body)
    .filter((b) => !b.startsWith(STATUS_MARKER) && b.startsWith('@'));
}

let nextCommentId = 900_000;
async function comment(
  number: number,
  body: string,
  options: { association?: string; repo?: Repo; expectStatus?: number } = {},
): Promise<number> {
  const repo = options.repo ?? stack.repo;
  const commentId = nextCommentId++;
  const res = await stack.deliver(
    'issue_comment',
    samplePayloads.issueComment({
      ...issueOf(repo, number),
      body,
      commentId,
      ...(options.association ? { authorAssociation: options.association } : {}),
    }),
  );
  // An untrusted author's comment goes to the task too (held there for approval).
  expect(res.status).toBe(options.expectStatus ?? 202);
  return commentId;
}

function sentTo(chatId: string): string[] {
  return stack.coder.chatMessages(chatId).map((m) => m.text);
}

describe('/agent commands on the issue', () => {
  it('acts on each command, acknowledges it, and never forwards it to the agent', async () => {
    const number = 8101;
    const name = await stack.assignUntilReady(number, 'Commands');
    const chat = await stack.chatOf(name);
    const reacted = (commentId: number) =>
      stack.github.reactions().some((r) => r.commentId === commentId && r.content === '+1');

    const statusId = await comment(number, '/agent status');
    await until(() => replies(number).length === 1 || undefined, 'the status reply');
    expect(replies(number)[0]).toContain(COMMAND_REPLIES.status);
    expect(reacted(statusId)).toBe(true);

    const interrupts = () => stack.coder.callsTo('POST', /\/interrupt$/).length;
    await comment(number, '/agent stop\nit is going the wrong way');
    await until(() => replies(number).length === 2 || undefined, 'the stop reply');
    expect(replies(number)[1]).toContain(COMMAND_REPLIES.stop);
    expect(interrupts()).toBe(1);

    await comment(number, '/agent retry');
    await until(() => replies(number).length === 3 || undefined, 'the retry reply');
    expect(replies(number)[2]).toContain(NOTHING_TO_RETRY_REPLY);

    // Words after the verb: not guessed, the help instead.
    await comment(number, '/agent stop please');
    await until(() => replies(number).length === 4 || undefined, 'the help reply');
    expect(replies(number)[3]).toContain(commandHelp({ unknown: 'stop please' }));

    // A flood: every command gets the reaction, a kind of reply at most once per window.
    const again = await comment(number, '/agent status');
    await until(() => reacted(again) || undefined, 'the reaction to the repeated command');
    // An untrusted author's command is no command: the task holds it as a comment for approval.
    const stranger = await comment(number, '/agent stop', { association: 'NONE' });
    // Quoted or fenced, it is an ordinary comment: it goes to the agent.
    await comment(number, '> /agent stop\nwhy did it stop?');
    await until(
      () => sentTo(chat.id).some((t) => t.includes('why did it stop?')) || undefined,
      'the quoted comment forwarded',
    );
    expect(replies(number)).toHaveLength(4);
    expect(reacted(stranger)).toBe(false);
    expect(interrupts()).toBe(1);
    const forwarded = sentTo(chat.id).join('\n');
    expect(forwarded).not.toMatch(/^ {0,3}\/agent/m);

    // Release: the agent is stopped, the issue stays open, the task completes.
    await comment(number, '/agent release');
    const handle = stack.client.workflow.getHandle(name);
    expect(await handle.result()).toBe('closed');
    expect(replies(number)[4]).toContain(COMMAND_REPLIES.release);
    expect(stack.coder.chatByLabel('code-factory/task', name)?.archived).toBe(true);
    expect(stack.statusComment(number)).toContain('was released');
    expect(sentTo(chat.id).join('\n')).not.toMatch(/^ {0,3}\/agent/m);
    const all = sentTo(chat.id).join('\n');
    for (const text of ['wrong way', '/agent status', '/agent retry', 'stop please', 'release']) {
      expect(all).not.toContain(text);
    }
  });
});

describe('/agent stop on Coder Tasks', () => {
  const tasks = suiteStack({ coderRelease: '2.36', workerEnv: { CODER_BACKEND: 'tasks' } });

  it('says a Coder task cannot be interrupted, and forwards nothing', async () => {
    const number = 8103;
    const name = await tasks.assignUntilReady(number, 'Stop on Tasks');
    const { owner, repo } = tasks.issue(number);
    const res = await tasks.deliver(
      'issue_comment',
      samplePayloads.issueComment({
        ...tasks.issue(number),
        body: '/agent stop',
        commentId: 81031,
      }),
    );
    expect(res.status).toBe(202);
    const reply = await until(
      () => tasks.github.comments(owner, repo, number).find((c) => c.body.startsWith('@')),
      'the reply',
    );
    expect(reply.body).toContain(STOP_ON_TASKS_REPLY);
    expect(tasks.agentTexts(name)?.join('\n') ?? '').not.toContain('/agent');
  });
});

describe('/agent commands without an agent', () => {
  it('on an issue no task runs for, the ingress skips them: no workflow, no reply', async () => {
    const number = 8102;
    await comment(number, '/agent release', { expectStatus: 200 });
    expect(await stack.workflowExists(stack.taskName(number))).toBe(false);
    expect(replies(number)).toHaveLength(0);
  });
});

describe('pause and resume', () => {
  it('pausing a repository holds its comments and resuming delivers them in order', async () => {
    const number = 8201;
    const name = await stack.assignUntilReady(number, 'Pause');
    const chat = await stack.chatOf(name);
    await stack.statusSays(number, 'is idle');
    const repository = `${stack.repo.owner}/${stack.repo.name}`;
    const query = `CodeFactoryRepository='${repository}' AND ExecutionStatus='Running' AND WorkflowType='taskWorkflow'`;
    const signalAll = async (signal: typeof pauseSignal | typeof resumeSignal) => {
      const ids: string[] = [];
      for await (const wf of stack.client.workflow.list({ query })) ids.push(wf.workflowId);
      expect(ids).toContain(name);
      for (const id of ids) await stack.client.workflow.getHandle(id).signal(signal);
    };
    await until(async () => {
      for await (const wf of stack.client.workflow.list({ query })) {
        if (wf.workflowId === name) return true;
      }
      return undefined;
    }, 'the task visible to the batch query');

    await signalAll(pauseSignal);
    await stack.statusSays(number, 'Paused by the operators');
    await until(async () => {
      for await (const wf of stack.client.workflow.list({
        query: `CodeFactoryPaused=true AND WorkflowId='${name}'`,
      })) {
        if (wf.workflowId === name) return true;
      }
      return undefined;
    }, 'the task found by CodeFactoryPaused');
    const before = sentTo(chat.id).length;
    await comment(number, 'first while paused');
    await comment(number, 'second while paused');
    const handle = stack.client.workflow.getHandle(name);
    await until(
      async () => ((await handle.query(stateQuery)).pending.length === 2 ? true : undefined),
      'both comments held',
    );
    expect(sentTo(chat.id)).toHaveLength(before);

    await signalAll(resumeSignal);
    const delivered = await until(() => {
      const text = sentTo(chat.id).slice(before).join('\n');
      return text.includes('second while paused') ? text : undefined;
    }, 'the held comments delivered');
    expect(delivered.indexOf('first while paused')).toBeLessThan(
      delivered.indexOf('second while paused'),
    );
    await stack.statusSays(number, 'is idle');
  });
});

describe('concurrency limits', () => {
  it('with a repository limit of 1 a second issue waits, says so, and starts when the first closes', async () => {
    const repo = { owner: stack.repo.owner, name: 'limited' };
    stack.github.setFile(
      repo.owner,
      repo.name,
      'main',
      '.code-factory/config.toml',
      '[limits]\nmax_active_agents = 1\n',
    );
    const first = await stack.assignUntilReady(8301, 'First', repo);
    const second = await stack.assign(8302, 'Second', repo);
    await stack.waitForPhase(second, ['queued']);
    await stack.statusSays(8302, 'Queued, 0 ahead', repo);
    expect(stack.coder.chatByLabel('code-factory/task', second)).toBeUndefined();

    const closed = await stack.deliver('issues', samplePayloads.issueClosed(issueOf(repo, 8301)));
    expect(closed.status).toBe(202);
    expect(await stack.client.workflow.getHandle(first).result()).toBe('closed');
    await stack.waitForPhase(second, ['ready']);
    await stack.chatOf(second);
    expect(stack.statusComment(8302, repo)).not.toContain('Queued');
  });
});

describe('installation limit', () => {
  const limited = suiteStack({
    coderTimings: { chatRunningMs: 100 },
    workerEnv: { MAX_ACTIVE_AGENTS_PER_INSTALLATION: '1' },
  });

  it('holds an assignment in another repository of the installation until a slot frees', async () => {
    const other = { owner: limited.repo.owner, name: 'other' };
    await limited.assignUntilReady(8311, 'First');
    const second = await limited.assign(8312, 'Second', other);
    await limited.waitForPhase(second, ['queued']);
    const closed = await limited.deliver('issues', samplePayloads.issueClosed(limited.issue(8311)));
    expect(closed.status).toBe(202);
    await limited.waitForPhase(second, ['ready']);
  });
});

describe('budgets', () => {
  it('a budget refusal parks the task, and it goes on once the budget is restored', async () => {
    const number = 8501;
    stack.coder.setUsageLimitReached(true);
    const name = await stack.assign(number, 'Budget');
    await stack.waitForPhase(name, ['waiting-for-budget']);
    await stack.statusSays(number, 'usage or budget limit');
    await until(
      async () =>
        (
          await stack.client.workflow.count(
            // The start-up run may close (continue-after-start) after it published the phase.
            `CodeFactoryPhase='waiting-for-budget' AND WorkflowId='${name}' AND ExecutionStatus='Running'`,
          )
        ).count === 1,
      'visibility shows the task waiting for the budget',
    );
    const chat = await stack.chatOf(name);
    await comment(number, 'meanwhile, add a changelog entry');
    const handle = stack.client.workflow.getHandle(name);
    await until(
      async () => ((await handle.query(stateQuery)).pending.length === 1 ? true : undefined),
      'the comment held',
    );
    stack.coder.setUsageLimitReached(false);
    await comment(number, '/agent retry');
    const sent = await until(() => {
      const text = sentTo(chat.id).join('\n');
      return text.includes('add a changelog entry') ? text : undefined;
    }, 'the held comment delivered');
    expect(sent).not.toContain('/agent retry');
    await stack.waitForPhase(name, ['ready']);
    await until(
      () => replies(number).some((r) => r.includes(COMMAND_REPLIES.retry)) || undefined,
      'the retry reply',
    );
    await until(
      () => !stack.statusComment(number).includes('usage or budget limit'),
      'the status comment no longer about the budget',
    );
  });
});

describe('one message per review', () => {
  it.each([
    ['the comments before the review', 8601, false],
    ['the review before its comments', 8602, true],
  ] as const)(
    'a three-comment review reaches the agent as one message (%s)',
    async (_what, number, reviewFirst) => {
      const reviewId = number * 10;
      const comments = [
        { id: reviewId + 1, path: 'src/a.ts', line: 3, body: 'rename this', login: 'octo-lead' },
        { id: reviewId + 2, path: 'src/a.ts', line: 9, body: 'and this', login: 'octo-lead' },
        {
          id: reviewId + 3,
          path: 'src/b.ts',
          line: null,
          body: 'drop the file',
          login: 'octo-lead',
        },
      ];
      const review = seedAgentReview(stack.github, {
        repo: stack.repo,
        issueNumber: number,
        prNumber: number + 1000,
        reviewId,
        body: 'A few things.',
        comments,
      });
      const name = await stack.assignUntilReady(number, 'Review');
      const chat = await stack.chatOf(name);
      const before = sentTo(chat.id).length;

      const send = async (event: string, payload: unknown) => {
        expect((await stack.deliver(event, payload)).status).toBe(202);
      };
      if (reviewFirst) await send('pull_request_review', review.review);
      for (const c of review.comments) await send('pull_request_review_comment', c);
      if (!reviewFirst) await send('pull_request_review', review.review);
      const handle = stack.client.workflow.getHandle(name);
      // Every event reached the task (4 accepted after the assignment), and nothing waits.
      await until(async () => {
        const s = await handle.query(stateQuery);
        return s.counts.accepted + (s.counts.duplicates ?? 0) >= 4 && s.pending.length === 0
          ? true
          : undefined;
      }, 'the review and its comments taken');
      await until(() => {
        const text = sentTo(chat.id).slice(before).join('\n');
        return text.includes('drop the file') ? true : undefined;
      }, 'the review forwarded');
      await stack.waitForIdle(name);
      const sent = sentTo(chat.id).slice(before);
      expect(sent).toHaveLength(1);
      const message = sent[0] ?? '';
      expect(message).toContain('New review on your pull request, with 3 comment(s)');
      const order = [
        'A few things.',
        'src/a.ts (line 3)',
        'rename this',
        'src/a.ts (line 9)',
        'and this',
        'src/b.ts (outdated line)',
        'drop the file',
      ];
      expect(outOfOrder(message, order)).toEqual([]);
    },
  );
});

describe('stuck detection', () => {
  it('records since when the task is in its phase and reminds the issue once per stuck period', async () => {
    const number = 8401;
    stack.coder.setUsageLimitReached(true);
    try {
      const name = await stack.assign(number, 'Stuck');
      await stack.waitForPhase(name, ['waiting-for-budget']);
      const handle = stack.client.workflow.getHandle(name);
      const since = await until(async () => {
        const attrs = (await handle.describe()).typedSearchAttributes;
        return attrs.get(SearchAttributes.phaseSince)?.toISOString();
      }, 'CodeFactoryPhaseSince');
      const reminders = () => comments(number).filter((c) => c.body.startsWith('⏰'));
      // The schedule signals on every scan while the task stays stuck.
      await handle.signal(stuckReminderSignal, { phase: 'waiting-for-budget', since });
      await handle.signal(stuckReminderSignal, { phase: 'waiting-for-budget', since });
      await handle.signal(stuckReminderSignal, { phase: 'failed', since });
      await until(() => reminders().length > 0 || undefined, 'the reminder');
      // A query answered after all three signals: the task has taken them all.
      await handle.query(stateQuery);
      await stack.waitForIdle(name);
      expect(reminders()).toHaveLength(1);
      expect(reminders()[0]?.body).toContain(
        `has been waiting for the Coder budget since ${since}`,
      );
    } finally {
      stack.coder.setUsageLimitReached(false);
    }
  });
});
