/**
 * What an operator sees in the Temporal Web UI: a dev server started with the UI, the
 * product stack against it with payload encryption on, a task created through the ingress;
 * headless Chromium (Debian's, driven by playwright-core) filters the workflow list by
 * repository, opens the task and finds its ID and its summary `owner/repo#N: <title>`, and
 * a comment's signal decoded in the history. The UI decodes through the codec relay
 * `pnpm dev` uses (infra/codec-relay.ts) (it adds the ingress's CODEC_AUTH_TOKEN, as the operators' proxy does in
 * production); with the relay withholding the token the same page shows ciphertext only.
 * Screenshots: test-results/web-ui-task.png, test-results/web-ui-decoded-comment.png.
 *
 * Needs /usr/bin/chromium (`bash infra/ensure-chromium.sh`). Skipped without it only
 * outside CI; in CI a missing browser fails the test.
 */
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { samplePayloads, until } from '@code-factory/testkit';
import { stateQuery } from '@code-factory/workflows';
import { type BrowserContext, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CodecRelay, startCodecRelay } from '../../../infra/codec-relay';
import { REPO_ROOT } from './cookbook';
import {
  CODEC_TOKEN,
  DEMO_REPO,
  type DevServer,
  freePort,
  type OpsStack,
  startDevServer,
  startOpsStack,
} from './ops-stack';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOT = resolve(REPO_ROOT, 'test-results/web-ui-task.png');
const COMMENT_SCREENSHOT = resolve(REPO_ROOT, 'test-results/web-ui-decoded-comment.png');
const COMMENT = 'Decoded in the browser: please keep the old flag';
const ISSUE = 42;
const TITLE = 'Add a greeting';

const haveChromium = existsSync(CHROMIUM);
const skip = !haveChromium && !process.env.CI;
if (skip) {
  console.warn(
    `[web-ui.test] skipped: ${CHROMIUM} not found (run \`bash infra/ensure-chromium.sh\`; in CI this test fails instead)`,
  );
}

describe.skipIf(skip)('Temporal Web UI shows a task', () => {
  let server: DevServer;
  let stack: OpsStack;
  let relay: CodecRelay;
  let browser: BrowserContext | undefined;
  let profile: string;

  beforeAll(async () => {
    if (!haveChromium) {
      throw new Error(`${CHROMIUM} is missing: run \`bash infra/ensure-chromium.sh\` first`);
    }
    const uiPort = await freePort();
    relay = await startCodecRelay({ token: CODEC_TOKEN, uiOrigin: `http://localhost:${uiPort}` });
    server = await startDevServer({ ui: true, uiPort, uiCodecEndpoint: relay.endpoint });
    stack = await startOpsStack(server.address, { encrypted: true });
    relay.setTarget(`${stack.ingressUrl}/codec`);
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
    await stack?.close();
    await server?.stop();
    await relay?.close();
  });

  it('lists the task under its repository and shows its summary', async () => {
    const workflowId = await stack.assignUntilReady(ISSUE, TITLE);
    const summary = `${DEMO_REPO.owner}/${DEMO_REPO.name}#${ISSUE}: ${TITLE}`;

    profile = mkdtempSync(join(tmpdir(), 'ops-chromium-'));
    // A fresh profile each run (launchPersistentContext passes it as --user-data-dir).
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      viewport: { width: 1400, height: 900 },
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    const page = browser.pages()[0] ?? (await browser.newPage());
    page.setDefaultTimeout(20_000);

    const query = `CodeFactoryRepository="${DEMO_REPO.owner}/${DEMO_REPO.name}"`;
    await page.goto(
      `${server.uiUrl}/namespaces/default/workflows?query=${encodeURIComponent(query)}`,
      { waitUntil: 'domcontentloaded' },
    );
    // The list is a SPA view filled by API calls: wait for the row's link to the task.
    const link = page.locator(`a[href*="/workflows/${encodeURIComponent(workflowId)}/"]`).first();
    await link.waitFor({ state: 'visible' });
    await link.click();

    await page.waitForURL(new RegExp(`/workflows/${workflowId}/`));
    await expect
      .poll(async () => page.getByText(workflowId).first().isVisible(), { timeout: 20_000 })
      .toBe(true);

    // Summary and current details live on the "User Metadata" tab; the UI renders them as
    // markdown inside sandboxed frames, so the text is looked for in every frame.
    await page.getByText('User Metadata', { exact: true }).first().click();
    await page.waitForURL(/\/user-metadata/);
    const framesText = async () => {
      const texts = await Promise.all(
        page.frames().map((f) =>
          f
            .locator('body')
            .textContent({ timeout: 1_000 })
            .catch(() => ''),
        ),
      );
      return texts.join('\n');
    };
    await expect.poll(framesText, { timeout: 20_000 }).toContain(summary);
    await expect.poll(framesText, { timeout: 20_000 }).toMatch(/phase\s+ready/);

    mkdirSync(resolve(SCREENSHOT, '..'), { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    expect(existsSync(SCREENSHOT)).toBe(true);
  }, 60_000);
  it('shows a comment decoded through the codec endpoint, and ciphertext without the token', async () => {
    const workflowId = stack.taskName(ISSUE);
    const handle = stack.client.workflow.getHandle(workflowId);
    // The comment goes to the run the start-up continued as new into: its signal is the
    // first one there after those already in it.
    await until(async () => (await handle.query(stateQuery)).runs === 1, 'continued as new');
    const signalIds = async () =>
      ((await handle.fetchHistory()).events ?? [])
        .filter((e) => e.workflowExecutionSignaledEventAttributes)
        .map((e) => String(e.eventId));
    const earlier = (await signalIds()).length;
    const sent = await stack.deliver(
      'issue_comment',
      samplePayloads.issueComment({
        owner: DEMO_REPO.owner,
        repo: DEMO_REPO.name,
        issueNumber: ISSUE,
        body: COMMENT,
        commentId: 4242,
      }),
    );
    expect(sent.status).toBe(202);
    const commentSignal = async () => (await signalIds())[earlier] ?? '';
    await expect.poll(commentSignal, { timeout: 20_000 }).not.toBe('');
    const eventId = await commentSignal();
    const runId = (await handle.describe()).runId;
    const page = browser?.pages()[0];
    if (!page) throw new Error('no browser page from the first test');
    const eventPage = `${server.uiUrl}/namespaces/default/workflows/${workflowId}/${runId}/history/events/${eventId}`;
    // biome-ignore lint/performance/useDomNodeTextContent: Playwright's rendered text, as the operator reads it
    const text = () => page.locator('body').innerText();

    await page.goto(eventPage, { waitUntil: 'domcontentloaded' });
    await expect.poll(text, { timeout: 20_000 }).toContain(`"body": "${COMMENT}"`);
    await page.screenshot({ path: COMMENT_SCREENSHOT, fullPage: true });

    // Without the token the codec endpoint answers 401: the UI has ciphertext only.
    relay.setAuthorizing(false);
    await page.goto(eventPage, { waitUntil: 'domcontentloaded' });
    await expect
      .poll(text, { timeout: 20_000 })
      .toContain(Buffer.from('binary/encrypted').toString('base64'));
    expect(await text()).not.toContain(COMMENT);
    relay.setAuthorizing(true);
  }, 60_000);
});
