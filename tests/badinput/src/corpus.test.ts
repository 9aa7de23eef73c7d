/**
 * Bad input against the running ingress (docs/architecture.md#the-ingress): a deterministic corpus of truncated and
 * byte-mutated bodies (re-signed and not), wrong and missing signatures, a body over the size
 * limit, wrong types in every field the router reads, odd unicode and control characters in
 * comment bodies, unknown events and actions. The ingress must never answer 5xx, must stay up,
 * must start no workflow for a delivery it did not accept, must forward accepted odd comments
 * exactly as cleaned (`cleanText`: invisible characters and HTML comments out, the rest
 * byte-for-byte), and must never log a secret or a comment body.
 */
import './runtime-logs';
import { createHmac } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { cleanText } from '@code-factory/messages';
import { samplePayloads, signWebhook, until, type WebhookPayload } from '@code-factory/testkit';
import { AGENT_LOGIN, type Stack, startStack, WEBHOOK_SECRET } from '@code-factory/testkit/stack';
import { agentWatchWorkflowId, stateQuery } from '@code-factory/workflows';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { workerLogs, workerLogsCaptured } from './runtime-logs';

const SEED = 0xc0de_f00d;
const MAX_BODY_BYTES = 25 * 1024 * 1024; // the stack runs with the default limit

/** mulberry32: small, deterministic, good enough to pick positions and bytes. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Case {
  label: string;
  event?: string | undefined;
  body: Buffer;
  /** `X-Hub-Signature-256`; undefined: header left out. */
  signature?: string | undefined;
  deliveryId?: string | null;
  /** Statuses the contract allows for this case (default: any non-5xx). */
  expected?: number[];
}

interface Outcome {
  c: Case;
  status: number;
  body: unknown;
}

const hmac256 = (body: Buffer, secret = WEBHOOK_SECRET) =>
  `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;

function setPath(root: unknown, path: (string | number)[], value: unknown): boolean {
  let node = root as Record<string | number, unknown>;
  for (const key of path.slice(0, -1)) {
    const next = node[key];
    if (next === null || typeof next !== 'object') return false;
    node = next as Record<string | number, unknown>;
  }
  const last = path[path.length - 1];
  if (last === undefined) return false;
  node[last] = value;
  return true;
}

const ENVELOPE = [
  'repository',
  'repository.name',
  'repository.owner',
  'repository.owner.login',
  'installation',
  'installation.id',
];
const AUTHOR = (o: string) => [
  `${o}.user`,
  `${o}.user.login`,
  `${o}.user.id`,
  `${o}.user.type`,
  `${o}.author_association`,
];
const PULL = [
  'pull_request',
  'pull_request.number',
  'pull_request.html_url',
  'pull_request.user',
  'pull_request.user.login',
];

describe('bad input corpus against the running ingress', () => {
  let stack: Stack;
  const outcomes: Outcome[] = [];
  /** Comment bodies sent anywhere in the corpus: none may show up in a log. */
  const secretBodies: string[] = [];
  let tag = '';
  let sequence = 0;

  beforeAll(async () => {
    stack = await startStack();
    tag = stack.repo.owner;
  });
  afterAll(async () => {
    if (stack) {
      // Leave nothing running on the shared dev server.
      for await (const wf of stack.client.workflow.list({
        query: `TaskQueue = '${stack.taskQueue}' AND ExecutionStatus = 'Running'`,
      })) {
        await stack.client.workflow
          .getHandle(wf.workflowId, wf.runId)
          .terminate('bad input corpus done')
          .catch(() => undefined);
      }
      await stack.close();
    }
  });

  const issue = (issueNumber: number) => stack.issue(issueNumber);

  async function send(c: Case): Promise<Outcome> {
    const headers: Record<string, string> = {
      'content-type': 'application/json',
      'user-agent': 'GitHub-Hookshot/corpus',
    };
    if (c.event !== undefined) headers['x-github-event'] = c.event;
    if (c.deliveryId !== null)
      headers['x-github-delivery'] = c.deliveryId ?? `bad-${tag}-${sequence++}`;
    if (c.signature !== undefined) headers['x-hub-signature-256'] = c.signature;
    let status: number;
    let body: unknown;
    try {
      const res = await fetch(`${stack.ingressUrl}/webhooks/github`, {
        method: 'POST',
        headers,
        body: c.body,
      });
      status = res.status;
      const text = await res.text();
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    } catch (error) {
      // The server may answer 413 and close before a huge upload finished.
      status = -1;
      body = String(error);
    }
    const outcome = { c, status, body };
    outcomes.push(outcome);
    return outcome;
  }

  async function sendAll(cases: Case[], concurrency = 8): Promise<void> {
    let next = 0;
    await Promise.all(
      Array.from({ length: concurrency }, async () => {
        for (;;) {
          const c = cases[next++];
          if (!c) return;
          await send(c);
        }
      }),
    );
  }

  function signed(label: string, event: string, payload: unknown, expected?: number[]): Case {
    const body = Buffer.from(JSON.stringify(payload));
    return { label, event, body, signature: hmac256(body), ...(expected ? { expected } : {}) };
  }

  function buildCorpus(): Case[] {
    const rand = prng(SEED);
    const int = (n: number) => Math.floor(rand() * n);
    const { owner, name } = stack.repo;
    const repo = { owner, repo: name };
    const body = (kind: string) => {
      const text = `BODY-${kind}-${tag} please look at this`;
      secretBodies.push(text);
      return text;
    };
    const bases: { kind: string; event: string; payload: WebhookPayload; paths: string[] }[] = [
      {
        kind: 'issues.assigned',
        event: 'issues',
        payload: samplePayloads.issueAssigned({ ...issue(9001), title: 'corpus' }),
        paths: [
          'action',
          ...ENVELOPE,
          'assignee',
          'assignee.login',
          'sender',
          'sender.login',
          'sender.id',
          'sender.type',
          'issue',
          'issue.number',
          'issue.title',
          'issue.html_url',
        ],
      },
      {
        kind: 'issues.closed',
        event: 'issues',
        payload: samplePayloads.issueClosed(issue(9002)),
        paths: [
          'action',
          ...ENVELOPE,
          'sender',
          'sender.login',
          'sender.id',
          'issue',
          'issue.number',
        ],
      },
      {
        kind: 'issue_comment',
        event: 'issue_comment',
        payload: samplePayloads.issueComment({ ...issue(9003), body: body('issue_comment') }),
        paths: [
          'action',
          ...ENVELOPE,
          'issue',
          'issue.number',
          'issue.html_url',
          'issue.user',
          'issue.user.login',
          'issue.pull_request',
          'comment',
          'comment.id',
          'comment.body',
          'comment.html_url',
          'comment.created_at',
          ...AUTHOR('comment'),
        ],
      },
      {
        kind: 'issue_comment.pr',
        event: 'issue_comment',
        payload: samplePayloads.issueComment({
          ...issue(9004),
          issueAuthor: AGENT_LOGIN,
          onPullRequest: true,
          body: body('pr_comment'),
        }),
        paths: [
          'issue.pull_request',
          'issue.pull_request.html_url',
          'issue.user.login',
          'comment.body',
        ],
      },
      {
        kind: 'pull_request_review_comment',
        event: 'pull_request_review_comment',
        payload: samplePayloads.reviewComment({
          ...repo,
          prNumber: 9005,
          body: body('review_comment'),
        }),
        paths: [
          'action',
          ...ENVELOPE,
          ...PULL,
          'comment',
          'comment.id',
          'comment.body',
          'comment.html_url',
          'comment.created_at',
          'comment.path',
          'comment.line',
          'comment.original_line',
          ...AUTHOR('comment'),
        ],
      },
      {
        kind: 'pull_request_review',
        event: 'pull_request_review',
        payload: samplePayloads.review({ ...repo, prNumber: 9006, body: body('review') }),
        paths: [
          'action',
          ...ENVELOPE,
          ...PULL,
          'review',
          'review.id',
          'review.body',
          'review.html_url',
          'review.submitted_at',
          ...AUTHOR('review'),
        ],
      },
      {
        kind: 'workflow_run',
        event: 'workflow_run',
        payload: samplePayloads.workflowRunCompleted({
          ...repo,
          pullRequests: [{ number: 9007, headSha: 'a'.repeat(40) }],
        }),
        paths: [
          'action',
          ...ENVELOPE,
          'workflow_run',
          'workflow_run.id',
          'workflow_run.name',
          'workflow_run.path',
          'workflow_run.html_url',
          'workflow_run.head_sha',
          'workflow_run.head_branch',
          'workflow_run.conclusion',
          'workflow_run.pull_requests',
          'workflow_run.pull_requests.0',
          'workflow_run.pull_requests.0.number',
        ],
      },
      {
        kind: 'push',
        event: 'push',
        payload: samplePayloads.push({ ...repo, after: 'e'.repeat(40) }),
        paths: [...ENVELOPE, 'ref', 'after', 'deleted', 'repository.default_branch'],
      },
    ];

    const cases: Case[] = [];
    const replacements: [string, unknown][] = [
      ['null', null],
      ['number', 424242],
      ['string', `str-${tag}`],
      ['array', []],
      ['object', {}],
    ];

    for (const base of bases) {
      const text = JSON.stringify(base.payload);
      // Wrong types in every field the router reads, re-signed.
      for (const path of base.paths) {
        for (const [what, value] of replacements) {
          const copy = JSON.parse(text) as unknown;
          const keys = path.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k));
          if (!setPath(copy, keys, structuredClone(value))) continue;
          cases.push(signed(`${base.kind}: ${path} = ${what}`, base.event, copy, [200, 202, 400]));
        }
      }
      // Truncated, re-signed (not JSON: 400) and not (401).
      const bytes = Buffer.from(text);
      for (let i = 0; i < 3; i++) {
        const cut = bytes.subarray(0, 1 + int(bytes.length - 2));
        cases.push({
          label: `${base.kind}: truncated ${cut.length} re-signed`,
          event: base.event,
          body: cut,
          signature: hmac256(cut),
          expected: [400],
        });
        cases.push({
          label: `${base.kind}: truncated ${cut.length} unsigned`,
          event: base.event,
          body: cut,
          signature: hmac256(bytes),
          expected: [401],
        });
      }
      // Byte-mutated, re-signed (anything but 5xx) and not (401).
      for (let i = 0; i < 4; i++) {
        const mutated = Buffer.from(bytes);
        const flips = 1 + int(3);
        for (let f = 0; f < flips; f++) mutated[int(mutated.length)] = int(256);
        if (mutated.equals(bytes)) continue;
        cases.push({
          label: `${base.kind}: ${flips} byte(s) mutated, re-signed`,
          event: base.event,
          body: mutated,
          signature: hmac256(mutated),
          expected: [200, 202, 400, 401],
        });
        cases.push({
          label: `${base.kind}: ${flips} byte(s) mutated, old signature`,
          event: base.event,
          body: mutated,
          signature: hmac256(bytes),
          expected: [401],
        });
      }
    }

    // Signatures: a delivery that would be accepted, with every kind of bad signature.
    const victim = Buffer.from(JSON.stringify(samplePayloads.issueAssigned(issue(9010))));
    const good = hmac256(victim);
    const badSignatures: [string, string | undefined][] = [
      ['missing', undefined],
      ['empty', ''],
      ['zeros', `sha256=${'0'.repeat(64)}`],
      ['no prefix', good.slice('sha256='.length)],
      ['sha1 prefix', `sha1=${createHmac('sha1', WEBHOOK_SECRET).update(victim).digest('hex')}`],
      ['other secret', hmac256(victim, 'not-the-secret')],
      ['truncated', good.slice(0, 40)],
      ['one hex digit off', `${good.slice(0, -1)}${good.endsWith('0') ? '1' : '0'}`],
      ['non-hex', `sha256=${'zz'.repeat(32)}`],
      ['very long', `sha256=${'a'.repeat(8_000)}`],
      ['of another body', hmac256(Buffer.from('{}'))],
      ['of the body without its last byte', hmac256(victim.subarray(0, -1))],
    ];
    for (const [what, signature] of badSignatures) {
      cases.push({
        label: `signature ${what}`,
        event: 'issues',
        body: victim,
        signature,
        expected: [401],
      });
    }
    cases.push({
      label: 'signed, no X-GitHub-Event',
      body: victim,
      signature: good,
      expected: [400],
    });
    cases.push({
      ...signed(
        'signed, no X-GitHub-Delivery',
        'issues',
        samplePayloads.issueAssigned(issue(9011)),
      ),
      deliveryId: null,
      expected: [400],
    });

    // Signed bodies that are not objects, or not JSON at all.
    for (const raw of [
      '',
      ' ',
      'null',
      '[]',
      '"str"',
      '42',
      'true',
      '{',
      '{"action":',
      '\u0000',
      '['.repeat(200_000),
      `{"a":${'['.repeat(50_000)}`,
      `{"action":"assigned","issue":${'['.repeat(5_000)}${']'.repeat(5_000)}}`,
    ]) {
      const buf = Buffer.from(raw);
      cases.push({
        label: `signed raw ${JSON.stringify(raw.slice(0, 12))}`,
        event: 'issues',
        body: buf,
        signature: hmac256(buf),
        expected: raw.length === 0 ? [401] : [200, 400],
      });
    }

    // Unknown events and unknown actions: acknowledged and skipped.
    for (const event of [
      'star',
      'fork',
      'installation',
      'pull_request',
      'check_run',
      'no_such_event',
      'ISSUES',
      'ping',
    ]) {
      cases.push(
        signed(`unknown event ${event}`, event, samplePayloads.issueAssigned(issue(9012)), [200]),
      );
    }
    for (const [event, action, payload] of [
      ['issues', 'reopened', samplePayloads.issueAssigned(issue(9013))],
      ['issues', 'unassigned', samplePayloads.issueAssigned(issue(9013))],
      ['issues', 'unlabeled', samplePayloads.issueAssigned(issue(9013))],
      ['issue_comment', 'deleted', samplePayloads.issueComment(issue(9013))],
      [
        'pull_request_review_comment',
        'deleted',
        samplePayloads.reviewComment({ ...repo, prNumber: 9013 }),
      ],
      ['pull_request_review', 'dismissed', samplePayloads.review({ ...repo, prNumber: 9013 })],
      ['workflow_run', 'requested', samplePayloads.workflowRunCompleted(repo)],
      ['workflow_run', 'in_progress', samplePayloads.workflowRunCompleted(repo)],
      ['issues', 'ASSIGNED', samplePayloads.issueAssigned(issue(9013))],
    ] as const) {
      cases.push(signed(`unknown action ${event}.${action}`, event, { ...payload, action }, [200]));
    }
    return cases;
  }

  /** Comment bodies with odd unicode and control characters; each carries a marker. */
  function oddBodies(): string[] {
    const rand = prng(SEED ^ 0x5eed);
    const line = Array.from({ length: 10_000 }, () =>
      String.fromCharCode(0x21 + Math.floor(rand() * 90)),
    ).join('');
    const bodies = [
      'right-to-left: \u202Eevil.exe\u202C and \u200F\u05E9\u05DC\u05D5\u05DD\u200E mixed',
      'NUL \u0000 inside, BEL \u0007, ESC \u001b[31mred\u001b[0m, DEL \u007f',
      'emoji 👩‍💻🏳️‍🌈 🇺🇦 with ZWJ and variation selectors ✔️',
      `a 10k-char line: ${line}`,
      'CRLF\r\nline two\rline three\ttab\u2028line sep\u2029para sep',
      'BOM \uFEFF zero width \u200B\u200C\u200D joiners and combining Z\u0351\u0352\u0353\u0354',
      'quotes " \' ` backslash \\ and <script>alert(1)</script> and $' + '{{ secrets.X }}',
    ];
    return bodies.map((b, i) => `ODD-${i}-${tag} ${b}`);
  }

  it('never answers 5xx, stays up, starts nothing it rejected, leaks nothing', async () => {
    const started = Date.now();
    const cases = buildCorpus();

    // An accepted task first, so odd comments have somewhere to go.
    const odd = oddBodies();
    secretBodies.push(...odd);
    const task = 9020;
    const assigned = await send(
      signed('assign for odd comments', 'issues', samplePayloads.issueAssigned(issue(task)), [202]),
    );
    expect(assigned.status).toBe(202);

    await sendAll(cases);

    // The same odd bodies where there is no task, and on pull requests (routed).
    const oddElsewhere: Case[] = [];
    for (const [i, text] of odd.entries()) {
      oddElsewhere.push(
        signed(
          `odd ${i} on an issue without task`,
          'issue_comment',
          samplePayloads.issueComment({ ...issue(9021), body: text }),
          [200],
        ),
      );
      oddElsewhere.push(
        signed(
          `odd ${i} review comment`,
          'pull_request_review_comment',
          samplePayloads.reviewComment({
            owner: stack.repo.owner,
            repo: stack.repo.name,
            prNumber: 9022,
            body: text,
          }),
          [202],
        ),
      );
    }
    // A lone surrogate is not valid Unicode (GitHub never sends one): it must not crash anything.
    const lone = `ODD-lone-${tag} lone surrogate \uD800 here`;
    secretBodies.push(lone);
    oddElsewhere.push(
      signed(
        'lone surrogate',
        'issue_comment',
        samplePayloads.issueComment({ ...issue(9021), body: lone }),
        [200],
      ),
    );
    await sendAll(oddElsewhere);

    // Odd comments on the running task: accepted and forwarded as cleaned, the rest byte-for-byte.
    const handle = stack.client.workflow.getHandle(stack.taskName(task));
    await until(async () => (await handle.query(stateQuery)).phase === 'ready', 'task ready');
    for (const [i, text] of odd.entries()) {
      const res = await send(
        signed(
          `odd ${i} on the task`,
          'issue_comment',
          samplePayloads.issueComment({ ...issue(task), body: text, commentId: 90_200 + i }),
          [202],
        ),
      );
      expect(res.status, `odd ${i}: ${JSON.stringify(res.body)}`).toBe(202);
    }
    await until(async () => {
      const s = await handle.query(stateQuery);
      return s.counts.forwardedItems >= odd.length && s.pending.length === 0;
    }, 'odd comments forwarded');
    const chat = stack.coder.chatByLabel('code-factory/task', stack.taskName(task));
    expect(chat).toBeDefined();
    const inputs = stack.coder
      .chatMessages(chat?.id ?? '')
      .map((m) => m.text)
      .join('\n');
    for (const [i, text] of odd.entries()) {
      const cleaned = cleanText(text).text;
      expect(inputs.includes(cleaned), `odd body ${i} reached Coder as cleaned`).toBe(true);
    }

    // The huge body, once: 413 before anything looks at it.
    const huge = Buffer.alloc(MAX_BODY_BYTES + 1024 * 1024, 0x61);
    huge.write('{"a":"', 0);
    huge.write('"}', huge.length - 2);
    const tooLarge = await send({
      label: 'huge body (26 MB)',
      event: 'issues',
      body: huge,
      signature: hmac256(huge),
      expected: [413, -1],
    });

    // 1. Never a 5xx (a 503 would mean Temporal was unreachable, which it is not here).
    const serverErrors = outcomes.filter((o) => o.status >= 500);
    expect(serverErrors.map((o) => `${o.c.label}: ${o.status} ${JSON.stringify(o.body)}`)).toEqual(
      [],
    );
    // 2. Each case got an answer the contract allows.
    const unexpected = outcomes.filter((o) => o.c.expected && !o.c.expected.includes(o.status));
    expect(unexpected.map((o) => `${o.c.label}: ${o.status} ${JSON.stringify(o.body)}`)).toEqual(
      [],
    );
    expect(tooLarge.status === 413 || tooLarge.status === -1).toBe(true);

    // 3. Still up.
    const health = await fetch(`${stack.ingressUrl}/healthz`);
    expect(health.status).toBe(200);
    const ready = await fetch(`${stack.ingressUrl}/readyz`);
    expect(ready.status).toBe(200);

    // 4. Workflows exist only for deliveries that got 202.
    const accepted = new Set(
      outcomes
        .filter((o) => o.status === 202)
        .map((o) => (o.body as { workflowId?: string }).workflowId)
        .filter((id): id is string => typeof id === 'string'),
    );
    const listed = await until(async () => {
      const ids = new Set<string>();
      for await (const wf of stack.client.workflow.list({
        query: `TaskQueue = '${stack.taskQueue}'`,
      })) {
        ids.add(wf.workflowId);
      }
      // Visibility lags a little: wait until every accepted workflow is listed.
      return [...accepted].every((id) => ids.has(id)) ? ids : undefined;
    }, 'accepted workflows listed');
    // The worker's own agent-watch workflow is the one workflow no delivery started.
    const watcher = agentWatchWorkflowId(stack.taskQueue);
    expect([...listed].filter((id) => !accepted.has(id) && id !== watcher)).toEqual([]);
    // The victim of the bad signatures and the deliveries without headers started nothing.
    expect(listed.has(stack.taskName(9010))).toBe(false);
    expect(listed.has(stack.taskName(9011))).toBe(false);

    // 5. Logs: no secret, no comment body. Ingress always; worker side when captured.
    const logs = [...stack.ingressLogs, ...workerLogs];
    expect(stack.ingressLogs.length).toBeGreaterThan(outcomes.length / 2);
    const forbidden = [
      WEBHOOK_SECRET,
      stack.coder.token,
      'PRIVATE KEY',
      '-----BEGIN',
      ...secretBodies.map((b) => b.slice(0, 24)),
    ];
    const leaks = logs.flatMap((line) =>
      forbidden
        .filter((f) => line.includes(f))
        .map((f) => `${f.slice(0, 30)} in ${line.slice(0, 300)}`),
    );
    expect(leaks).toEqual([]);
    if (!workerLogsCaptured)
      console.warn('worker logs were not captured: only ingress logs scanned');
    else expect(workerLogs.length).toBeGreaterThan(0);

    if (process.env.CORPUS_DUMP) {
      const rows = outcomes.map((o) => `${o.status}\t${o.c.label}\t${JSON.stringify(o.body)}`);
      writeFileSync(process.env.CORPUS_DUMP, `${rows.join('\n')}\n`);
      writeFileSync(`${process.env.CORPUS_DUMP}.logs`, `${logs.join('\n')}\n`);
    }
    const counts = new Map<number, number>();
    for (const o of outcomes) counts.set(o.status, (counts.get(o.status) ?? 0) + 1);
    console.log(
      `bad input corpus: ${outcomes.length} requests in ${Date.now() - started} ms; statuses ${JSON.stringify(Object.fromEntries(counts))}; ${workerLogs.length} worker log lines scanned`,
    );
  }, 90_000);
});

// Signing helper from testkit must agree with ours (guards the corpus itself).
it('the corpus signs bodies exactly like GitHub', async () => {
  const body = '{"zen":"Keep it logically awesome."}';
  expect(hmac256(Buffer.from(body))).toBe(await signWebhook(WEBHOOK_SECRET, body));
});
