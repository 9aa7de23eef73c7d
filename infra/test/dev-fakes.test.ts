import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DEMO, releaseFromEnv, startDevFakes } from '../dev-fakes';

describe('dev fakes', () => {
  it('seeds the demo world', async () => {
    const fakes = await startDevFakes();
    try {
      const users = await fetch(`${fakes.coderUrl}/api/v2/users?q=github_com_user_id:1001`, {
        headers: { 'Coder-Session-Token': fakes.coder.token },
      });
      const found = (await users.json()) as { users: Array<{ username: string }> };
      expect(found.users[0]?.username).toBe(DEMO.coderUser);
      const perm = await fetch(
        `${fakes.githubUrl}/repos/acme/widgets/collaborators/octo-lead/permission`,
        { headers: { authorization: 'token x' } },
      );
      expect(await perm.json()).toMatchObject({ permission: 'write', user: { id: 1001 } });
      expect(fakes.coder.defaultTemplate.presets.some((p) => p.Default)).toBe(true);
    } finally {
      await fakes.close();
    }
  });

  it('reads the Coder release from FAKE_CODER_RELEASE, current by default', () => {
    expect(releaseFromEnv({})).toBe('2.39');
    expect(releaseFromEnv({ FAKE_CODER_RELEASE: '' })).toBe('2.39');
    expect(releaseFromEnv({ FAKE_CODER_RELEASE: '2.36' })).toBe('2.36');
    expect(() => releaseFromEnv({ FAKE_CODER_RELEASE: '2.35' })).toThrow(/current, 2.37, 2.36/);
  });

  it('runs standalone, prints its URLs and stops on SIGTERM', async () => {
    const bin = fileURLToPath(new URL('../fakes.ts', import.meta.url));
    const tsx = fileURLToPath(new URL('../../node_modules/.bin/tsx', import.meta.url));
    const child = spawn(tsx, [bin], {
      env: {
        ...process.env,
        FAKE_CODER_PORT: '0',
        FAKE_GITHUB_PORT: '0',
        FAKE_CODER_RELEASE: '2.37',
      },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [line] = (await once(createInterface({ input: child.stdout }), 'line')) as [string];
      const urls = JSON.parse(line) as {
        coderUrl: string;
        githubUrl: string;
        coderRelease: string;
      };
      expect(urls.coderUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(urls.coderRelease).toBe('2.37');
      const info = await fetch(`${urls.coderUrl}/api/v2/buildinfo`);
      expect(await info.json()).toMatchObject({ version: 'v2.37.2' });
      const app = await fetch(`${urls.githubUrl}/app`, { headers: { authorization: 'Bearer j' } });
      expect(app.status).toBe(200);
    } finally {
      child.kill('SIGTERM');
    }
    const [code] = await once(child, 'exit');
    expect(code).toBe(0);
  }, 30_000);
});
