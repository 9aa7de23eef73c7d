/**
 * One stack for the enclosing suite (the file, or a `describe` block): started before its
 * tests, closed after them, and read as the stack itself.
 */
import { type Stack, type StackOptions, startStack } from '@code-factory/testkit/stack';
import { afterAll, beforeAll } from 'vitest';

export function suiteStack(options?: StackOptions): Stack {
  let started: Stack | undefined;
  beforeAll(async () => {
    started = await startStack(options);
  });
  afterAll(async () => {
    await started?.close();
  });
  return new Proxy({} as Stack, {
    get: (_, key) => {
      if (!started) throw new Error('the suite stack starts before the suite’s tests');
      return Reflect.get(started, key);
    },
  });
}
