/**
 * What a Coder deployment offers, learnt once when the worker starts: its version
 * (`GET /api/v2/buildinfo`), where the Chats API is mounted and whether the Tasks API exists.
 *
 * | Coder release | Chats                                   | Tasks                          |
 * |---------------|-----------------------------------------|--------------------------------|
 * | v2.34 ESR     | `/api/experimental/chats`               | `/api/v2/tasks`                |
 * | v2.36         | `/api/experimental/chats`               | only with CODER_ENABLE_AI_TASKS |
 * | v2.37         | `/api/v2/chats` and the experimental one | removed (coder/coder#28789)    |
 * | v2.38 / main  | `/api/v2/chats` only (#29548)            | removed (404)                  |
 *
 * The probes are list calls, which Coder serves to any authenticated user; an unmounted
 * route answers 404 `{"message":"Route not found."}`.
 */
import { ExternalError, isExternalError } from '@code-factory/errors';
import { z } from 'zod';
import { EXPERIMENTAL_CHATS_PATH, V2_CHATS_PATH } from './agents-backend';
import type { BackendKind } from './backend';
import type { CoderHttp } from './http';

export interface CoderCapabilities {
  /** `version` of buildinfo, e.g. `v2.38.0`; null when the deployment did not say. */
  version: string | null;
  /** Where chats are served; null: no Chats API. */
  chatsPath: string | null;
  /** Whether `/api/v2/tasks` exists. */
  tasks: boolean;
}

export type BackendSetting = 'auto' | BackendKind;

export interface BackendChoice {
  kind: BackendKind;
  /** The chats mount the Agents backend uses (also for repositories that pick it). */
  chatsPath: string | null;
  capabilities: CoderCapabilities;
}

const BuildInfoSchema = z.object({ version: z.string().optional() }).loose();

export async function detectCoder(http: CoderHttp): Promise<CoderCapabilities> {
  const info = await http.json(BuildInfoSchema, 'GET', '/api/v2/buildinfo');
  let chatsPath: string | null = null;
  for (const path of [V2_CHATS_PATH, EXPERIMENTAL_CHATS_PATH]) {
    if (await exists(http, `${path}?limit=1`)) {
      chatsPath = path;
      break;
    }
  }
  const tasks = await exists(http, '/api/v2/tasks');
  return { version: info.version ?? null, chatsPath, tasks };
}

/** 2xx: mounted; 404: not. Anything else (a bad token, Coder down) is worth stopping for. */
async function exists(http: CoderHttp, path: string): Promise<boolean> {
  try {
    await http.request('GET', path);
    return true;
  } catch (err) {
    if (isExternalError(err) && err.status === 404) return false;
    throw err;
  }
}

/**
 * Picks the backend for a setting. `auto`: Coder Agents wherever chats exist, Tasks only
 * where they do not. An explicit choice the deployment cannot serve is refused with the fix.
 */
export function chooseBackend(setting: BackendSetting, caps: CoderCapabilities): BackendChoice {
  const release = caps.version ? `Coder ${caps.version}` : 'This Coder deployment';
  const choice = (kind: BackendKind): BackendChoice => ({
    kind,
    chatsPath: caps.chatsPath,
    capabilities: caps,
  });
  if (setting === 'tasks') {
    if (!caps.tasks) {
      throw new ExternalError(
        `CODER_BACKEND=tasks, but ${release} has no Tasks API (/api/v2/tasks answers 404; Coder removed it in v2.37). Unset CODER_BACKEND (or set it to auto or agents) to use Coder Agents.`,
        { kind: 'rejected', service: 'coder' },
      );
    }
    return choice('tasks');
  }
  if (setting === 'agents') {
    if (!caps.chatsPath) {
      throw new ExternalError(
        `CODER_BACKEND=agents, but ${release} serves no Chats API (neither ${V2_CHATS_PATH} nor ${EXPERIMENTAL_CHATS_PATH}). Set CODER_BACKEND=auto or tasks, or upgrade Coder.`,
        { kind: 'rejected', service: 'coder' },
      );
    }
    return choice('agents');
  }
  if (caps.chatsPath) return choice('agents');
  if (caps.tasks) return choice('tasks');
  throw new ExternalError(
    `${release} offers neither Coder Agents (${V2_CHATS_PATH}) nor Coder Tasks (/api/v2/tasks); check CODER_URL and the deployment's AI features.`,
    { kind: 'rejected', service: 'coder' },
  );
}

/** One line for logs and the Web UI. */
export function describeChoice(choice: BackendChoice): string {
  const caps = choice.capabilities;
  const where = choice.kind === 'agents' ? `Coder Agents on ${choice.chatsPath}` : 'Coder Tasks';
  const also = [
    caps.chatsPath ? `chats at ${caps.chatsPath}` : 'no chats',
    caps.tasks ? 'tasks available' : 'no tasks API',
  ].join(', ');
  return `${caps.version ?? 'unknown version'}: ${where} (${also})`;
}
