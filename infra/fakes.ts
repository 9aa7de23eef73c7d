import { releaseFromEnv, startDevFakes } from './dev-fakes';

// Standalone fakes for local development: `pnpm fakes` (`tsx infra/fakes.ts`).
// Prints one JSON line `{ coderUrl, githubUrl, coderToken, coderRelease }` on stdout once both
// are listening, and nothing else there (whoever starts it parses that line; logs go to stderr).
// FAKE_CODER_RELEASE (2.39, 2.38 or current, 2.37, 2.36) picks the Coder release to fake.

function portFromEnv(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const port = Number(raw);
  if (!Number.isInteger(port) || port < 0 || port > 65_535) {
    console.error(`${name} must be a port number (0-65535)`);
    process.exit(1);
  }
  return port;
}

let release: ReturnType<typeof releaseFromEnv>;
try {
  release = releaseFromEnv();
} catch (err) {
  console.error((err as Error).message);
  process.exit(1);
}

const fakes = await startDevFakes({
  release,
  coderPort: portFromEnv('FAKE_CODER_PORT', 7080),
  githubPort: portFromEnv('FAKE_GITHUB_PORT', 7081),
  coderToken: process.env.FAKE_CODER_TOKEN || undefined,
  appSlug: process.env.FAKE_GITHUB_APP_SLUG || undefined,
});
process.stdout.write(
  `${JSON.stringify({ coderUrl: fakes.coderUrl, githubUrl: fakes.githubUrl, coderToken: fakes.coder.token, coderRelease: fakes.coder.release })}\n`,
);

let closing = false;
const shutdown = () => {
  if (closing) return;
  closing = true;
  fakes.close().then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
