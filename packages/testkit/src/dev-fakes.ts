import { type FakeCoder, type FakeCoderOptions, startFakeCoder } from './fake-coder';
import { type FakeGitHub, startFakeGitHub } from './fake-github';

export interface DevFakesOptions {
  coderPort?: number;
  githubPort?: number;
  coderToken?: string;
  appSlug?: string;
  timings?: FakeCoderOptions['timings'];
}

export interface DevFakes {
  coder: FakeCoder;
  github: FakeGitHub;
  coderUrl: string;
  githubUrl: string;
  close(): Promise<void>;
}

/** The demo world `pnpm dev` runs against when no real Coder or GitHub is configured. */
export const DEMO = {
  coderUser: 'demo-dev',
  githubLogin: 'octo-lead',
  githubUserId: 1001,
  owner: 'acme',
  repo: 'widgets',
  installationId: 1,
} as const;

export const DEV_TIMINGS = { pendingMs: 1_000, initializingMs: 2_000, workingMs: 3_000 };

/** Starts both fakes and seeds the demo world (see DEMO). */
export async function startDevFakes(opts: DevFakesOptions = {}): Promise<DevFakes> {
  const coder = await startFakeCoder({
    port: opts.coderPort ?? 0,
    token: opts.coderToken,
    timings: { ...DEV_TIMINGS, ...opts.timings },
  });
  let github: FakeGitHub;
  try {
    github = await startFakeGitHub({ port: opts.githubPort ?? 0, appSlug: opts.appSlug });
  } catch (err) {
    await coder.close();
    throw err;
  }
  seedDemoWorld(coder, github);
  return {
    coder,
    github,
    coderUrl: coder.url,
    githubUrl: github.url,
    close: async () => {
      await Promise.all([coder.close(), github.close()]);
    },
  };
}

export function seedDemoWorld(
  coder: Pick<FakeCoder, 'addUser'>,
  github: Pick<FakeGitHub, 'setPermission'>,
): void {
  coder.addUser({ username: DEMO.coderUser, githubUserId: DEMO.githubUserId });
  github.setPermission(DEMO.owner, DEMO.repo, DEMO.githubLogin, 'write', DEMO.githubUserId);
}
