/** Shared inputs of the classification tests (`classify.test.ts`, `webhooks/*.test.ts`). */
import type { ClassifyContext } from './classify';

export const AGENT = 'xmtp-coder-agent';
export const BOT = 'code-factory[bot]';

export const ctx: ClassifyContext = {
  agentLogin: AGENT,
  botLogin: BOT,
  trustedAssociations: ['OWNER', 'MEMBER', 'COLLABORATOR'],
  deliveryId: 'delivery-1',
  receivedAt: '2025-01-02T03:04:05.000Z',
  taskNamePrefix: 'gh',
};

export const common = {
  deliveryId: 'delivery-1',
  receivedAt: '2025-01-02T03:04:05.000Z',
  repository: { owner: 'acme', name: 'widgets' },
  installationId: 1,
};

export function without(payload: Record<string, unknown>, path: string): Record<string, unknown> {
  const copy = structuredClone(payload);
  const keys = path.split('.');
  const last = keys.pop() as string;
  let node = copy as Record<string, unknown>;
  for (const key of keys) node = node[key] as Record<string, unknown>;
  delete node[last];
  return copy;
}
