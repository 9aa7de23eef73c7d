/**
 * The prebuilt workflow bundle. `pnpm build` (infra/build.ts) runs this module to write
 * `dist/bundles/workflows.js` (and `workflows-tracing.js`, with the OpenTelemetry workflow
 * interceptors) with `bundleWorkflowCode`; the compiled worker finds them next to
 * itself and starts without webpack. Run from the sources (`pnpm dev`, tests) there is none,
 * and the worker bundles at start as before.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { bundleWorkflowCode } from '@temporalio/worker';
import { workflowInterceptorsPath } from './tracing';
import { workflowsPath } from './worker';

const fileName = (tracing: boolean) => (tracing ? 'workflows-tracing.js' : 'workflows.js');

/** The bundle built next to this module, or undefined (running from the sources). */
export function prebuiltWorkflowBundle(tracing: boolean): { codePath: string } | undefined {
  const codePath = join(import.meta.dirname, 'bundles', fileName(tracing));
  return existsSync(codePath) ? { codePath } : undefined;
}

export async function writeWorkflowBundles(outDir: string): Promise<void> {
  mkdirSync(outDir, { recursive: true });
  const none = () => {};
  const logger = { log: none, trace: none, debug: none, info: none, warn: none, error: none };
  for (const tracing of [false, true]) {
    const { code } = await bundleWorkflowCode({
      workflowsPath,
      ...(tracing ? { workflowInterceptorModules: [workflowInterceptorsPath] } : {}),
      logger,
    });
    writeFileSync(join(outDir, fileName(tracing)), code);
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const outDir = process.argv[2];
  if (!outDir) {
    process.stderr.write('usage: workflow-bundle.ts <out dir>\n');
    process.exit(2);
  }
  await writeWorkflowBundles(outDir);
}
