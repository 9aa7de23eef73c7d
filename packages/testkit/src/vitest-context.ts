/**
 * What the root vitest global setup (infra/test/temporal-global-setup.ts) provides to test
 * files: the address of the shared Temporal dev server and the CLI binary it runs.
 * Test-only entry point (`@code-factory/testkit/vitest`): the main entry never loads vitest.
 */
import { inject } from 'vitest';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    temporalCli: string;
  }
}

export function temporalAddress(): string {
  return inject('temporalAddress');
}

export function temporalCli(): string {
  return inject('temporalCli');
}
