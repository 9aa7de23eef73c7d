import { createPrivateKey } from 'node:crypto';
import { createAppAuth } from '@octokit/auth-app';
import { Octokit } from '@octokit/rest';
import { z } from 'zod';
import { type DeliveryListing, listDeliveriesSince, redeliver } from './deliveries';
import { parseResponse, toExternalError } from './errors';
import { GitHubInstallation } from './installation';

export const DEFAULT_GITHUB_API_URL = 'https://api.github.com';

export interface GitHubAppOptions {
  appId: number;
  /** PEM, PKCS#1 (`BEGIN RSA PRIVATE KEY`, what GitHub hands out) or PKCS#8. */
  privateKey: string;
  /** REST base URL; GitHub Enterprise Server uses `https://<host>/api/v3`. */
  baseUrl?: string;
  fetch?: typeof fetch;
  /** Per request, including reading the body; default 30 s. */
  timeoutMs?: number;
}

export interface AppIdentity {
  slug: string;
  /** The login the App's comments and reactions carry: `<slug>[bot]`. */
  botLogin: string;
}

const appSchema = z.object({ slug: z.string() });

/**
 * The GitHub App the worker acts as. Octokit here does no retrying and no throttling of its
 * own (@octokit/rest has neither plugin): Temporal retries the activity, with backoff.
 */
export class GitHubApp {
  readonly baseUrl: string;
  private readonly options: GitHubAppOptions & { privateKey: string };
  private readonly appOctokit: Octokit;
  private readonly installations = new Map<number, GitHubInstallation>();
  private identity: AppIdentity | undefined;

  constructor(options: GitHubAppOptions) {
    this.baseUrl = (options.baseUrl ?? DEFAULT_GITHUB_API_URL).replace(/\/+$/, '');
    this.options = { ...options, privateKey: normalizePrivateKey(options.privateKey) };
    this.appOctokit = this.octokit({});
  }

  /** The App's slug and bot login (`GET /app`), fetched once per process. */
  async appSlug(): Promise<AppIdentity> {
    if (this.identity) return this.identity;
    const action = 'app identity';
    try {
      const res = await this.appOctokit.request('GET /app');
      const { slug } = parseResponse(appSchema, res.data, action);
      this.identity = { slug, botLogin: `${slug}[bot]` };
      return this.identity;
    } catch (err) {
      throw toExternalError(err, action);
    }
  }

  /** The App's webhook delivery attempts since `since`, newest first (App JWT). */
  webhookDeliveriesSince(since: Date): Promise<DeliveryListing> {
    return listDeliveriesSince(this.appOctokit, since);
  }

  /** Asks GitHub to send a webhook delivery again. */
  redeliverWebhookDelivery(deliveryId: number): Promise<void> {
    return redeliver(this.appOctokit, deliveryId);
  }

  /**
   * Calls made as one installation. Its token comes from auth-app, which caches it until
   * shortly before it expires; the client is kept so the cache is too.
   */
  installation(installationId: number): GitHubInstallation {
    let installation = this.installations.get(installationId);
    if (!installation) {
      installation = new GitHubInstallation(installationId, this.octokit({ installationId }));
      this.installations.set(installationId, installation);
    }
    return installation;
  }

  private octokit(auth: { installationId?: number }): Octokit {
    const timeoutMs = this.options.timeoutMs ?? 30_000;
    const baseFetch = this.options.fetch ?? globalThis.fetch;
    const timedFetch: typeof fetch = (input, init) => {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = init?.signal ? AbortSignal.any([init.signal, timeout]) : timeout;
      return baseFetch(input, { ...init, signal });
    };
    // Octokit hands the auth strategy its own `request`, so the token exchange uses the same
    // baseUrl and fetch as every other call.
    return new Octokit({
      baseUrl: this.baseUrl,
      userAgent: 'code-factory',
      // Failures reach the activity as ExternalErrors and are logged there; auth-app's warnings
      // (clock skew, token replication delay) are worth seeing.
      log: { debug: noop, info: noop, warn: console.warn, error: noop },
      request: { fetch: timedFetch },
      authStrategy: createAppAuth,
      auth: { appId: this.options.appId, privateKey: this.options.privateKey, ...auth },
    });
  }
}

function noop(): void {}

/** Keys pasted into env files often carry literal `\n`; anything else must be a valid PEM. */
function normalizePrivateKey(key: string): string {
  const pem = key.includes('\\n') ? key.replace(/\\n/g, '\n') : key;
  try {
    createPrivateKey(pem);
  } catch {
    // Never echo the key itself.
    throw new Error('GitHub App private key is not a valid PEM private key (PKCS#1 or PKCS#8)');
  }
  return pem.trim();
}
