/**
 * The fakes as `pnpm dev` runs them (infra/dev.ts, and standalone infra/fakes.ts): the testkit's
 * fake Coder and GitHub with slower timings and the demo world seeded. Local tooling, not test
 * scaffolding: only `pnpm dev`, `pnpm fakes` and their test (infra/test) use it.
 */
import {
  CODER_RELEASES,
  type CoderRelease,
  DEFAULT_CODER_RELEASE,
  type FakeCoder,
  type FakeCoderOptions,
  type FakeGitHub,
  startFakeCoder,
  startFakeGitHub,
} from '@code-factory/testkit';

export interface DevFakesOptions {
  coderPort?: number;
  githubPort?: number;
  coderToken?: string;
  appSlug?: string;
  timings?: FakeCoderOptions['timings'];
  /** Coder release to pretend to be; default `FAKE_CODER_RELEASE`, else the newest (2.39). */
  release?: CoderRelease;
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

export const DEV_TIMINGS = {
  pendingMs: 1_000,
  initializingMs: 2_000,
  workingMs: 3_000,
  chatRunningMs: 3_000,
  interruptMs: 500,
};

/**
 * The release named by `FAKE_CODER_RELEASE` (2.39, 2.38 alias current, 2.37 or 2.36); 2.39 when unset.
 * Read here rather than by each starter so `pnpm dev` and `pnpm fakes` agree.
 */
export function releaseFromEnv(env: NodeJS.ProcessEnv = process.env): CoderRelease {
  const raw = env.FAKE_CODER_RELEASE;
  if (raw === undefined || raw === '') return DEFAULT_CODER_RELEASE;
  if (!CODER_RELEASES.includes(raw as CoderRelease)) {
    throw new Error(
      `FAKE_CODER_RELEASE must be one of ${CODER_RELEASES.join(', ')} (got "${raw}")`,
    );
  }
  return raw as CoderRelease;
}

/** Starts both fakes and seeds the demo world (see DEMO). */
export async function startDevFakes(opts: DevFakesOptions = {}): Promise<DevFakes> {
  const coder = await startFakeCoder({
    port: opts.coderPort ?? 0,
    token: opts.coderToken,
    release: opts.release ?? releaseFromEnv(),
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
