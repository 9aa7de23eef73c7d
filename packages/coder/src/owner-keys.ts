/**
 * The API keys this worker process mints to act as chat owners, kept to what Coder's admins
 * would accept: one live key per owner per process, reused until shortly before it expires,
 * minted with the narrowest scopes the deployment takes, named after the worker, revoked when
 * no open task of the owner is left here and when the worker shuts down. A refused mint (the
 * user is gone, hidden from the token, or the token may not act for them) is remembered and
 * tried again only after a growing back-off, so an owner Coder no longer knows costs a handful
 * of requests an hour, never one a second.
 *
 * Coder's API (codersdk/apikey.go, coderd/apikey.go):
 * - `POST /api/v2/users/{user}/keys/tokens` `{ token_name, lifetime (ns), scopes? }` →
 *   `{ key }`, a key `<id>-<secret>`; a name already taken by that user answers 409.
 * - `DELETE /api/v2/users/{user}/keys/{id}` revokes a key (204).
 * - `GET /api/v2/users/{user}/keys/tokens` lists the user's tokens (`id`, `token_name`, …).
 * - Scopes are codersdk.APIKeyScope values (codersdk/apikey_scopes_gen.go); `chat:read` and
 *   `chat:update` cover what we do as the owner (list, read and watch chats; send, interrupt,
 *   archive), `chat_project:read` finding a project named in a repo config. Coder v2.39 lets
 *   users request only its public scopes (rbac scopes_catalog.go), and no `chat:*` scope is
 *   public: it answers 400 `invalid or unsupported API key scope`, and the key is then minted
 *   with Coder's default scope (`coder:all`); later keys of the process skip the try.
 */
import { type ExternalError, isExternalError } from '@code-factory/errors';
import { z } from 'zod';
import type { CoderHttp } from './http';

/** What we do as a chat's owner needs no more than this (codersdk/apikey_scopes_gen.go). */
export const OWNER_KEY_SCOPES = ['chat:read', 'chat:update', 'chat_project:read'] as const;

const HOUR_MS = 60 * 60_000;
const DAY_MS = 24 * HOUR_MS;
/** A key is renewed this long before it expires (keys may be as short as an hour). */
const RENEW_BEFORE_MS = 5 * 60_000;

const MintedSchema = z.object({ key: z.string().min(1) });
const TokenListSchema = z
  .array(z.object({ id: z.string(), token_name: z.string().optional() }).loose())
  .nullable();

export type KeyEvent =
  | { kind: 'minted'; ownerId: string; scoped: boolean }
  | { kind: 'refused'; ownerId: string; status?: number; retryInMs: number }
  | { kind: 'revoked'; ownerId: string; reason: string };

export interface OwnerKeysOptions {
  /** The service token's client: it mints and revokes. */
  http: CoderHttp;
  /** Names the keys: `code-factory-<worker>` (sanitised to Coder's name rules). */
  worker: string;
  /** Lifetime asked for; default 24 hours (an hour where the deployment allows less). */
  lifetimeMs?: number;
  /** First wait after a refused mint; doubles up to `maxRefusalBackoffMs`. Default 1 min. */
  refusalBackoffMs?: number;
  /** Default one hour. */
  maxRefusalBackoffMs?: number;
  now?: () => number;
  /** Counted by the worker (Prometheus) and logged. */
  onEvent?(event: KeyEvent): void;
}

interface LiveKey {
  id: string;
  http: CoderHttp;
  mintedAt: number;
  expiresAt: number;
}

export interface OwnerRefusal {
  ownerId: string;
  /** Refusals in a row. */
  failures: number;
  /** When a mint will be tried again (ms since the epoch). */
  retryAt: number;
  /** Coder's answer. */
  reason: string;
  error: ExternalError;
}

/** Coder's name rules for tokens (codersdk NameValid): letters, digits, single hyphens, ≤ 32. */
export function keyName(worker: string): string {
  const cleaned = `code-factory-${worker}`
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, '-')
    .replace(/-+/g, '-')
    .slice(0, 32)
    .replace(/^-+|-+$/g, '');
  return cleaned || 'code-factory';
}

export class OwnerKeys {
  readonly tokenName: string;
  private readonly keys = new Map<string, LiveKey>();
  private readonly minting = new Map<string, Promise<LiveKey>>();
  private readonly refused = new Map<string, OwnerRefusal>();
  /** false once the deployment refused scopes: later keys are minted without. */
  private scoped = true;
  private lifetimeMs: number;
  private readonly now: () => number;

  constructor(private readonly options: OwnerKeysOptions) {
    this.tokenName = keyName(options.worker);
    this.lifetimeMs = options.lifetimeMs ?? DAY_MS;
    this.now = options.now ?? Date.now;
  }

  /**
   * A client acting as `ownerId`. Concurrent callers share one mint; a refusal is remembered
   * and thrown again without asking Coder until its back-off ends.
   */
  async client(ownerId: string): Promise<CoderHttp> {
    const live = this.keys.get(ownerId);
    if (live && live.expiresAt - this.now() > RENEW_BEFORE_MS) return live.http;
    const refusal = this.refused.get(ownerId);
    if (refusal && refusal.retryAt > this.now()) throw refusal.error;
    let pending = this.minting.get(ownerId);
    if (!pending) {
      pending = this.mint(ownerId, live).finally(() => this.minting.delete(ownerId));
      this.minting.set(ownerId, pending);
    }
    return (await pending).http;
  }

  /**
   * Coder answered 401 to the owner's key (expired early, revoked by hand): it is deleted (so
   * its name is free again) and the next call mints a new one.
   */
  async discard(ownerId: string, http: CoderHttp): Promise<void> {
    const live = this.keys.get(ownerId);
    if (live?.http !== http) return;
    await this.revoke(ownerId, 'refused by Coder');
  }

  /**
   * Coder refused to let the service act for this owner in another way (e.g. a create with
   * `owner_id` answered 400 "Chat owner does not have permission to use chats."): remembered
   * like a refused mint, and the owner's key, useless now, is revoked.
   */
  async refuse(ownerId: string, error: ExternalError): Promise<void> {
    this.noteRefusal(ownerId, error);
    await this.revoke(ownerId, 'delegation refused');
  }

  /** The remembered refusal of this owner, while its back-off lasts. */
  refusalOf(ownerId: string): OwnerRefusal | undefined {
    const refusal = this.refused.get(ownerId);
    return refusal && refusal.retryAt > this.now() ? refusal : undefined;
  }

  refusals(): OwnerRefusal[] {
    return [...this.refused.values()];
  }

  /** Owners with a live key in this process. */
  owners(): string[] {
    return [...this.keys.keys()];
  }

  /** Revokes the owner's key, if this process holds one. Never throws. */
  async revoke(ownerId: string, reason: string): Promise<boolean> {
    const live = this.keys.get(ownerId);
    if (!live) return false;
    this.keys.delete(ownerId);
    try {
      await this.deleteKey(ownerId, live.id, reason);
      return true;
    } catch {
      // It expires on its own; nothing else to do.
      return false;
    }
  }

  /** `DELETE /api/v2/users/{user}/keys/{id}` (a key already gone is fine), counted. */
  private async deleteKey(ownerId: string, keyId: string, reason: string): Promise<void> {
    await this.options.http.request('DELETE', `/api/v2/users/${enc(ownerId)}/keys/${enc(keyId)}`, {
      accept: [404],
    });
    this.options.onEvent?.({ kind: 'revoked', ownerId, reason });
  }

  /**
   * Revokes the keys of owners not in `owners` (no open task of theirs is left), except keys
   * younger than `graceMs` (a task that is starting may not be followed yet).
   */
  async retainOnly(
    owners: ReadonlySet<string>,
    reason = 'no open task',
    graceMs = 0,
  ): Promise<number> {
    let revoked = 0;
    for (const [ownerId, live] of [...this.keys]) {
      if (owners.has(ownerId) || this.now() - live.mintedAt < graceMs) continue;
      if (await this.revoke(ownerId, reason)) revoked++;
    }
    for (const ownerId of this.refused.keys()) {
      if (!owners.has(ownerId)) this.refused.delete(ownerId);
    }
    return revoked;
  }

  /** The worker shuts down: every key it minted goes. */
  async revokeAll(): Promise<number> {
    return this.retainOnly(new Set(), 'worker shut down');
  }

  private async mint(ownerId: string, previous: LiveKey | undefined): Promise<LiveKey> {
    // The key it replaces (minutes from expiry) goes first: its name is the one we mint under,
    // and Coder keeps names unique per user (409).
    if (previous) await this.revoke(ownerId, 'renewed');
    let minted: string;
    try {
      minted = await this.mintKey(ownerId);
    } catch (err) {
      if (isRefusal(err)) this.noteRefusal(ownerId, err);
      throw err;
    }
    this.refused.delete(ownerId);
    const id = minted.split('-')[0] ?? minted;
    const live: LiveKey = {
      id,
      http: this.options.http.withToken(minted),
      mintedAt: this.now(),
      expiresAt: this.now() + this.lifetimeMs,
    };
    this.keys.set(ownerId, live);
    this.options.onEvent?.({ kind: 'minted', ownerId, scoped: this.scoped });
    return live;
  }

  /**
   * One mint, adapted to what the deployment takes: no scopes where it refuses them, an hour
   * where its maximum lifetime is shorter, and our name taken by a key this worker left behind
   * (a crash before it could revoke) → that key is revoked and the name reused.
   */
  private async mintKey(ownerId: string): Promise<string> {
    const path = `/api/v2/users/${enc(ownerId)}/keys/tokens`;
    for (let attempt = 0; ; attempt++) {
      const scoped = this.scoped;
      try {
        const minted = await this.options.http.json(MintedSchema, 'POST', path, {
          token_name: this.tokenName,
          // time.Duration: nanoseconds.
          lifetime: this.lifetimeMs * 1_000_000,
          ...(scoped ? { scopes: [...OWNER_KEY_SCOPES] } : {}),
        });
        return minted.key;
      } catch (err) {
        if (attempt >= 4 || !isExternalError(err)) throw err;
        if (err.status === 409 || (err.status === 400 && /already exists/i.test(err.message))) {
          // Our name is taken by a key this worker left behind (postToken answers 409).
          await this.revokeLeftBehind(ownerId);
        } else if (err.status !== 400) {
          throw err;
        } else if (/scope/i.test(err.message) && scoped) {
          this.scoped = false;
        } else if (/lifetime/i.test(err.message) && this.lifetimeMs > HOUR_MS) {
          // validateAPIKeyLifetime: "lifetime must be less than ...".
          this.lifetimeMs = HOUR_MS;
        } else {
          throw err;
        }
      }
    }
  }

  private async revokeLeftBehind(ownerId: string): Promise<void> {
    const list = await this.options.http.json(
      TokenListSchema,
      'GET',
      // An expired key keeps its name too (`coder tokens remove` expires by default).
      `/api/v2/users/${enc(ownerId)}/keys/tokens?include_expired=true`,
    );
    for (const token of list ?? []) {
      if (token.token_name === this.tokenName) {
        await this.deleteKey(ownerId, token.id, 'left behind by a crash');
      }
    }
  }

  private noteRefusal(ownerId: string, error: ExternalError): void {
    const failures = (this.refused.get(ownerId)?.failures ?? 0) + 1;
    const first = this.options.refusalBackoffMs ?? 60_000;
    const max = this.options.maxRefusalBackoffMs ?? HOUR_MS;
    const retryInMs = Math.min(max, first * 2 ** Math.min(failures - 1, 20));
    this.refused.set(ownerId, {
      ownerId,
      failures,
      retryAt: this.now() + retryInMs,
      reason: error.message.replace(/^.*? answered (\d+): /, '$1 '),
      error,
    });
    this.options.onEvent?.({
      kind: 'refused',
      ownerId,
      retryInMs,
      ...(error.status !== undefined ? { status: error.status } : {}),
    });
  }
}

/**
 * Coder will not let the service act for this user: hidden from the token (404), not allowed
 * (401/403), or a request it rejects for this user (400). Network errors, 5xx and 429 are
 * outages, not refusals.
 */
export function isRefusal(err: unknown): err is ExternalError {
  return (
    isExternalError(err) && err.status !== undefined && [400, 401, 403, 404].includes(err.status)
  );
}

function enc(part: string): string {
  return encodeURIComponent(part);
}
