/**
 * With PAYLOAD_CODEC_KEYS set, a whole issue life (assignment, comments, a review comment,
 * a failed CI run with its log tail, close) leaves no comment body, prompt or log tail in
 * plain text in Temporal: the histories of every workflow it touched, exported with the
 * bare CLI (`temporal workflow show --output json`, no codec), are grepped for them. The
 * same life still works end to end, and the agent received the texts in clear.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { samplePayloads, until } from '@code-factory/testkit';
import { seedAgentPull } from '@code-factory/testkit/stack';
import { temporalAddress, temporalCli } from '@code-factory/testkit/vitest';
import { stateQuery } from '@code-factory/workflows';
import { describe, expect, it } from 'vitest';
import { failAndRerun } from './ci-runs';
import { suiteStack } from './suite-stack';

const run = promisify(execFile);
const KEYS = `e2e1=${randomBytes(32).toString('base64')}`;

/** The history as an operator without the codec would export it. */
async function exportHistory(workflowId: string): Promise<string> {
  const { stdout } = await run(
    temporalCli(),
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--output',
      'json',
      '--address',
      temporalAddress(),
    ],
    { maxBuffer: 64 * 1024 * 1024 },
  );
  return stdout;
}

/** Paths of payloads whose encoding is not `binary/encrypted`. */
function plainPayloadPaths(node: unknown, path = '$'): string[] {
  if (node === null || typeof node !== 'object') return [];
  const found: string[] = [];
  const encoding = (node as { metadata?: { encoding?: unknown } }).metadata?.encoding;
  if (typeof encoding === 'string') {
    const name = Buffer.from(encoding, 'base64').toString();
    if (name !== 'binary/encrypted') found.push(`${path} (${name})`);
  }
  for (const [key, value] of Object.entries(node)) {
    found.push(...plainPayloadPaths(value, `${path}.${key}`));
  }
  return found;
}

/** Base64 of a needle at each of the three alignments, so an encoded copy is found too. */
function base64Forms(needle: string): string[] {
  return [0, 1, 2].map((shift) => {
    const encoded = Buffer.from(`${'x'.repeat(shift)}${needle}`).toString('base64');
    // Drop the characters that depend on the padding prefix and the tail.
    return encoded.slice(Math.ceil((shift * 4) / 3) + 2, -4);
  });
}

describe('encrypted payloads through a whole issue life', () => {
  const stack = suiteStack({ codecKeys: KEYS });

  it('leaves no comment body, prompt or log tail readable in any history', async () => {
    const number = 5301;
    const pr = 6301;
    const headSha = 'feed'.padEnd(40, '0');
    const name = stack.taskName(number);
    const issue = stack.issue(number);
    const secrets = {
      comment: 'SECRET-COMMENT: the staging password is hunter2',
      review: 'SECRET-REVIEW: never log the customer id here',
      logTail: 'SECRET-LOG: FAIL token=ghp_leakyleakyleaky',
    };
    const agentPull = seedAgentPull(stack.github, {
      repo: stack.repo,
      issueNumber: number,
      prNumber: pr,
      headSha,
      failingLog: `setup\n${secrets.logTail}`,
    });
    const send = stack.deliverAccepted;
    const handle = stack.client.workflow.getHandle(name);
    const forwarded = (n: number) =>
      until(async () => {
        const s = await handle.query(stateQuery);
        return s.counts.forwardedItems >= n && s.pending.length === 0 ? s : undefined;
      }, `${n} forwarded`);

    await send('issues', samplePayloads.issueAssigned({ ...issue, title: 'Encrypted life' }));
    await send(
      'issue_comment',
      samplePayloads.issueComment({ ...issue, body: secrets.comment, commentId: number * 10 }),
    );
    await forwarded(1);
    // A review comment and the failed run, each with text that must not stay readable.
    const review = { body: secrets.review, path: 'src/a.ts', line: 3, commentId: number * 10 + 1 };
    await send('pull_request_review_comment', agentPull.reviewComment(review));
    await forwarded(2);
    // Re-run first (`[shepherd] rerun_failed_jobs`), then told with both attempts' logs.
    await failAndRerun(stack, { runId: number * 10, headSha }, { 'unit tests': 'failure' });
    await forwarded(3);

    // The agent got everything in clear: the brief (its prompt) and the three items.
    const inputs = stack.agentTexts(name) ?? [];
    const prompt = inputs[0] ?? '';
    expect(prompt.length).toBeGreaterThan(10);
    const all = inputs.join('\n');
    for (const text of Object.values(secrets)) expect(all).toContain(text);

    await send('issues', samplePayloads.issueClosed(issue));
    expect(await handle.result()).toBe('closed');

    const exported = [
      await exportHistory(name),
      await exportHistory(`repo-${stack.repo.owner}/${stack.repo.name}`),
    ];
    const histories = exported.join('\n');
    // Every payload is encrypted except search attributes (Temporal indexes them) and the
    // SDK's own patch markers.
    const plain = exported.flatMap((text) => plainPayloadPaths(JSON.parse(text)));
    expect(
      plain.filter((path) => !/searchAttributes|patch-data|markerRecorded/.test(path)),
    ).toEqual([]);
    // The CLI prints payload bytes as base64: the metadata says encrypted under our key.
    expect(histories).toContain(Buffer.from('binary/encrypted').toString('base64'));
    expect(histories).toContain(Buffer.from('e2e1').toString('base64'));
    if (process.env.E2E_DUMP_HISTORY) console.log(histories);
    for (const needle of [...Object.values(secrets), prompt]) {
      expect(histories, 'plain text in a history').not.toContain(needle);
      for (const form of base64Forms(needle)) {
        expect(histories, `base64 of "${needle}" in a history`).not.toContain(form);
      }
    }
    // The fakes' own record shows the ingress and worker still did everything.
    expect(stack.agentLive(name)).toBe(false);
  });
});
