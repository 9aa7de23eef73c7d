/**
 * Temporal connection settings, read the way Temporal's own tools read them
 * (`TEMPORAL_ADDRESS`, `TEMPORAL_NAMESPACE`, `TEMPORAL_API_KEY`, `TEMPORAL_TLS*`,
 * `TEMPORAL_PROFILE` / `TEMPORAL_CONFIG_FILE` profiles), so Temporal Cloud and self-hosted
 * clusters work without code changes.
 */
import { loadClientConnectConfig } from '@temporalio/envconfig';

export interface TemporalConnectSettings {
  address: string;
  namespace: string;
  apiKey?: string;
  tls?:
    | boolean
    | {
        serverNameOverride?: string;
        serverRootCACertificate?: Buffer;
        clientCertPair?: { crt: Buffer; key: Buffer };
      };
  metadata?: Record<string, string>;
}

export function temporalSettings(
  env: Record<string, string | undefined> = process.env,
): TemporalConnectSettings {
  const overrideEnvVars = Object.fromEntries(
    Object.entries(env).filter((entry): entry is [string, string] => entry[1] !== undefined),
  );
  const loaded = loadClientConnectConfig({
    profile: env.TEMPORAL_PROFILE,
    overrideEnvVars,
    // Without an explicit config file, only the environment counts; a stray
    // ~/.config/temporalio/temporal.toml on a developer machine must not redirect tests.
    disableFile: !env.TEMPORAL_CONFIG_FILE && !env.TEMPORAL_PROFILE,
    ...(env.TEMPORAL_CONFIG_FILE ? { configSource: { path: env.TEMPORAL_CONFIG_FILE } } : {}),
  });
  const options = loaded.connectionOptions;
  const settings: TemporalConnectSettings = {
    address: options.address ?? 'localhost:7233',
    namespace: loaded.namespace ?? 'default',
  };
  if (options.apiKey && typeof options.apiKey === 'string') settings.apiKey = options.apiKey;
  if (options.tls !== undefined && options.tls !== null)
    settings.tls = options.tls as TemporalConnectSettings['tls'];
  if (options.metadata) settings.metadata = options.metadata as Record<string, string>;
  return settings;
}
