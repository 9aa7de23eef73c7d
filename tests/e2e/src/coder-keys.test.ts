/**
 * What the product leaves behind in Coder, read from the fake Coder's key ledger: one scoped key
 * per chat owner, none left after the issues close or the worker stops, and no request storm
 * for an owner Coder no longer knows after the whole stack restarts on its Temporal database
 * (every deploy does that).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { samplePayloads, until } from '@code-factory/testkit';
import {
  type DevServer,
  freePort,
  type Stack,
  startDevServer,
  startStack,
} from '@code-factory/testkit/stack';
import { temporalCli } from '@code-factory/testkit/vitest';
import { agentWatchWorkflowId } from '@code-factory/workflows';
import { afterAll, describe, expect, it } from 'vitest';

let server: DevServer | undefined;
const stacks: Stack[] = [];
afterAll(async () => {
  for (const stack of stacks) await stack.close().catch(() => undefined);
  await server?.stop();
});

const repo = { owner: 'acme-keys', name: 'widgets' };
const prefix = 'ek';
const taskQueue = 'e2e-coder-keys';

async function stackOn(address: string): Promise<Stack> {
  const stack = await startStack({
    address,
    repo,
    prefix,
    taskQueue,
    coderTimings: { chatRunningMs: 100 },
    workerEnv: { AGENT_WATCH_HEARTBEAT_TIMEOUT_MS: '2000', AGENT_POLL_INTERVAL_MS: '100' },
  });
  stacks.push(stack);
  return stack;
}

async function close(stack: Stack, issueNumber: number): Promise<void> {
  const name = stack.taskName(issueNumber);
  const closed = await stack.deliver(
    'issues',
    samplePayloads.issueClosed({ ...stack.issue(issueNumber) }),
  );
  expect(closed.status).toBe(202);
  expect(await stack.client.workflow.getHandle(name).result()).toBe('closed');
}

const mintsFor = (stack: Stack, userId: string) =>
  stack.coder.callsTo('POST', new RegExp(`^/api/v2/users/${userId}/keys/tokens$`));

describe('Coder keys across a whole-stack restart on the same Temporal database', () => {
  it('mints one key per owner, revokes it at close and at shutdown, and never storms', async () => {
    const dbFilename = join(mkdtempSync(join(tmpdir(), 'e2e-keys-')), 't.db');
    server = await startDevServer({ cli: temporalCli(), port: await freePort(), dbFilename });

    // First life: two issues of one requester; one closes, one stays open.
    const first = await stackOn(server.address);
    const oldOwner = first.coderUserId;
    const closing = await first.assign(8101, 'Closes in the first life');
    const staying = await first.assign(8102, 'Stays open across the restart');
    await first.waitForPhase(closing, ['ready']);
    await first.waitForPhase(staying, ['ready']);
    const chat = first.coder.chatByLabel('code-factory/task', closing);
    expect(chat?.title).toBe(`${repo.owner}/${repo.name}#8101: Closes in the first life`);
    // One key for the owner, however many chats and streams, with our name. Coder v2.39 lets
    // no user request chat:* scopes, so after one refused try it carries Coder's default.
    const minted = first.coder.keys();
    expect(minted).toHaveLength(1);
    expect(minted[0]?.userId).toBe(oldOwner);
    expect(minted[0]?.scopes).toEqual(['coder:all']);
    expect(minted[0]?.tokenName).toMatch(/^code-factory-/);
    await close(first, 8101);
    // The owner still has an open task: the key stays.
    expect(first.coder.liveKeys()).toHaveLength(1);
    await first.close();
    // The worker shut down: nothing of it is left in Coder.
    expect(first.coder.liveKeys()).toEqual([]);

    // Second life: the same Temporal state against a Coder that no longer knows the owner.
    const second = await stackOn(server.address);
    expect(second.coderUserId).not.toBe(oldOwner);
    await second.assignUntilReady(8103, 'After the restart');
    // The new worker took the streams over (the old holder let go at shutdown) and asked once
    // for the owner Coder does not know; the next try waits a minute, then longer.
    await until(() => mintsFor(second, oldOwner).length >= 1, 'the first mint for the old owner');
    const watch = second.client.workflow.getHandle(agentWatchWorkflowId(taskQueue));
    // The Web UI shows the refusal and its back-off (the watch's current details).
    await until(async () => {
      const meta = (await watch.query('__temporal_workflow_metadata')) as {
        currentDetails?: string;
      };
      return meta.currentDetails?.includes('Coder refuses a key for 1 owner(s)') ? true : undefined;
    }, 'the refusal on the watch');
    // The window measured: many poll and reconnect rounds of the holder (poll 100 ms,
    // reconnect from 100 ms), which asked Coder every second before.
    await new Promise((resolve) => setTimeout(resolve, 3_000));
    expect(mintsFor(second, oldOwner).length).toBe(1);

    // Closing every issue leaves no live key; the old owner's issue closes without its chat.
    await close(second, 8103);
    await close(second, 8102);
    await until(() => second.coder.liveKeys().length === 0, 'no live key');
    const afterClose = second.coder.calls().length;
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    // No owner is followed any more: the holder asks Coder nothing for them.
    const later = second.coder.calls().slice(afterClose);
    expect(later.filter((c) => /\/keys\/tokens$/.test(c.path))).toEqual([]);
  });
});

describe('a plain user’s token: delegation refused, the life runs as the token’s user', () => {
  for (const release of ['2.39', '2.36'] as const) {
    it(`on Coder ${release}: one chat as the token's user, said once, messages and archive work`, async () => {
      const stack = await startStack({
        coderRelease: release,
        coderOptions: { tokenUserRole: 'member' },
        coderTimings: { chatRunningMs: 100 },
      });
      stacks.push(stack);
      const number = 8201;
      const name = await stack.assignUntilReady(number, 'Plain user token');
      const chat = stack.coder.chatByLabel('code-factory/task', name);
      expect(chat?.owner_id).toBe(stack.coder.tokenUser.id);
      const issue = stack.issue(number);
      const sent = await stack.deliver(
        'issue_comment',
        samplePayloads.issueComment({ ...issue, body: 'please add a test', commentId: 820101 }),
      );
      expect(sent.status).toBe(202);
      await until(
        () => stack.agentTexts(name)?.some((t) => t.includes('please add a test')),
        'the comment reached the agent',
      );
      // Said once, on the status comment only, with Coder's answer or the release's limit.
      const saying = () =>
        stack.github
          .comments(stack.repo.owner, stack.repo.name, number)
          .filter((c) => c.body.includes("runs as the service's Coder user"));
      await until(() => saying().length === 1, 'the fallback on the status comment');
      await close(stack, number);
      expect(stack.coder.chatByLabel('code-factory/task', name)?.archived).toBe(true);
      // Never a second comment saying it (the closing status comment drops the note).
      expect(saying().length).toBeLessThanOrEqual(1);
      // Nothing was minted (2.36: never tried; 2.39: refused with 404, remembered).
      expect(stack.coder.keys()).toEqual([]);
      expect(stack.coder.callsTo('POST', /\/keys\/tokens$/).length).toBeLessThanOrEqual(
        release === '2.36' ? 0 : 1,
      );
    });
  }
});
