/**
 * A comment held behind an agent error a person must fix: the agent's first turn ends, Coder
 * stops the chat on a usage limit (pushed to the task, which parks), and a comment arrives and
 * waits. Clearing the error (`setChatStatus(chat, 'waiting')`) then lets it go; the bench's
 * push section and the e2e tests time or check what happens next.
 */
import { stateQuery } from '@code-factory/workflows';
import { until } from '../until';
import { samplePayloads } from '../webhooks';
import type { Stack } from './stack';

export async function holdCommentBehindAgentError(
  stack: Stack,
  issueNumber: number,
  name: string,
  body: string,
): Promise<{ chatId: string }> {
  const chat = await stack.chatOf(name);
  await until(
    () => stack.coder.chats().find((c) => c.id === chat.id)?.status === 'waiting',
    'the first turn over',
  );
  stack.coder.setChatError(chat.id, { kind: 'usage_limit', retryable: false });
  const handle = stack.client.workflow.getHandle(name);
  await until(
    async () => (await handle.query(stateQuery)).live?.readiness === 'error',
    'the error known to the workflow',
  );
  await stack.deliver(
    'issue_comment',
    samplePayloads.issueComment({
      owner: stack.repo.owner,
      repo: stack.repo.name,
      issueNumber,
      body,
      commentId: issueNumber * 10,
    }),
  );
  await stack.waitForPhase(name, ['failed', 'waiting-for-budget']);
  return { chatId: chat.id };
}
