/**
 * The deployment files (infra/deploy) are written for people with a Docker engine or a
 * cluster, neither of which CI has. This checks what can be checked without one: that the
 * compose file and the manifests parse, point at files that exist, give each process
 * exactly the variables its config schema reads (every required one, nothing unknown, no
 * worker secret to the ingress), probe routes the ingress serves, and run as non-root.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { IngressConfigSchema, variableNames, WorkerConfigSchema } from '@code-factory/config';
import { describe, expect, it } from 'vitest';
import {
  copySources,
  deployDir,
  existsInRepo,
  isDockerIgnored,
  k8sDir,
  loadYaml,
  loadYamlDocuments,
  parseDockerfile,
  parseEnvFile,
  readRepoFile,
  repoRoot,
  workspaceClosure,
  type Yaml,
} from './files';

/** Temporal connection variables read by @temporalio/envconfig. */
const TEMPORAL_ENVCONFIG = [
  'TEMPORAL_ADDRESS',
  'TEMPORAL_NAMESPACE',
  'TEMPORAL_API_KEY',
  'TEMPORAL_TLS',
  'TEMPORAL_TLS_CLIENT_CERT_PATH',
  'TEMPORAL_TLS_CLIENT_KEY_PATH',
  'TEMPORAL_TLS_SERVER_CA_CERT_PATH',
  'TEMPORAL_PROFILE',
  'TEMPORAL_CONFIG_FILE',
];

type Schema = typeof IngressConfigSchema | typeof WorkerConfigSchema;

/** Variables without a default that are not optional: the process cannot start without them. */
function requiredVariables(schema: Schema): string[] {
  return Object.entries(schema.shape)
    .filter(([, field]) => !field.safeParse(undefined).success)
    .map(([key]) => key);
}

const APPS = {
  ingress: { schema: IngressConfigSchema as Schema, package: '@code-factory/ingress' },
  worker: { schema: WorkerConfigSchema as Schema, package: '@code-factory/worker' },
} as const;
type App = keyof typeof APPS;
const APP_NAMES = Object.keys(APPS) as App[];

/** Credentials only the worker may hold (the ingress holds none: docs/architecture.md#the-ingress). */
const WORKER_ONLY_SECRETS = ['PRIVATE_KEY', 'CODER_TOKEN', 'APP_ID'];

function checkEnvironment(app: App, provided: Iterable<string>, where: string) {
  const { schema } = APPS[app];
  const known = new Set([...variableNames(schema), ...TEMPORAL_ENVCONFIG]);
  const names = new Set(provided);
  const unknown = [...names].filter((name) => !known.has(name));
  expect(unknown, `${where}: variables ${app} does not read`).toEqual([]);
  const missing = requiredVariables(schema).filter((name) => !names.has(name));
  expect(missing, `${where}: required variables of ${app} not provided`).toEqual([]);
  if (app === 'ingress') {
    const leaked = WORKER_ONLY_SECRETS.filter((name) => names.has(name));
    expect(leaked, `${where}: worker credentials given to the ingress`).toEqual([]);
  }
}

/** Paths the ingress serves, read from its Hono app. */
function ingressRoutes(): Set<string> {
  const source = readRepoFile('apps/ingress/src/app.ts');
  const routes = new Set<string>();
  for (const match of source.matchAll(/app\.(?:get|post|all)\(\s*'([^']+)'/g)) {
    routes.add(match[1] as string);
  }
  return routes;
}

function imageRepository(image: string): string {
  const at = image.lastIndexOf(':');
  return at > image.lastIndexOf('/') ? image.slice(0, at) : image;
}

describe('config schemas', () => {
  it('have required variables the deployment must provide', () => {
    expect(requiredVariables(IngressConfigSchema)).toContain('WEBHOOK_SECRET');
    expect(requiredVariables(WorkerConfigSchema)).toEqual(
      expect.arrayContaining(['CODER_URL', 'CODER_TOKEN', 'PRIVATE_KEY']),
    );
  });
});

describe('Dockerfiles', () => {
  for (const app of APP_NAMES) {
    describe(`Dockerfile.${app}`, () => {
      const path = `infra/deploy/Dockerfile.${app}`;
      const instructions = parseDockerfile(readRepoFile(path));
      const lastStage = Math.max(...instructions.map((i) => i.stage));
      const final = instructions.filter((i) => i.stage === lastStage);
      const args = new Map(
        instructions
          .filter((i) => i.keyword === 'ARG' && i.stage === -1)
          .map((i) => i.args.split('=') as [string, string]),
      );
      const expand = (value: string) =>
        value.replace(/\$\{?(\w+)\}?/g, (_, name: string) => args.get(name) ?? '');

      it('is multi-stage with a slim glibc runtime', () => {
        const froms = instructions.filter((i) => i.keyword === 'FROM');
        expect(froms.length).toBeGreaterThanOrEqual(2);
        const runtimeImage = expand(final[0]?.args.split(/\s+/)[0] ?? '');
        // Node 24 LTS, pinned to a release (docs/deployment.md, "Images").
        expect(runtimeImage).toMatch(/^node:24\.\d+\.\d+-bookworm-slim$/);
        expect(expand(froms[0]?.args.split(/\s+/)[0] ?? '')).toBe(runtimeImage);
        for (const from of froms) expect(expand(from.args)).not.toMatch(/alpine/);
      });

      it('installs with the pinned pnpm, the frozen lockfile and the app filter', () => {
        const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
        expect(runs.join('\n')).toMatch(/npm install --global .*pnpm@.*packageManager/);
        expect(runs.join('\n')).not.toMatch(/corepack/);
        const install = runs.find((run) => /pnpm install/.test(run));
        expect(install).toMatch(/--frozen-lockfile/);
        expect(install).toContain(`--filter "${APPS[app].package}..."`);
        const root = JSON.parse(readRepoFile('package.json'));
        expect(root.packageManager).toMatch(/^pnpm@10\./);
        // tsx and TypeScript (the build) come from the root package, which the filter must include.
        expect(root.devDependencies.tsx ?? root.dependencies?.tsx).toBeDefined();
        expect(install).toContain(`--filter ${root.name}`);
      });

      it('runs as a non-root user with NODE_ENV=production', () => {
        const users = final.filter((i) => i.keyword === 'USER');
        expect(users.length).toBeGreaterThan(0);
        const user = users.at(-1)?.args.split(':')[0];
        expect(user).not.toMatch(/^(root|0)$/);
        expect(final.some((i) => i.keyword === 'ENV' && /NODE_ENV=production/.test(i.args))).toBe(
          true,
        );
      });

      it('copies only files that exist and are in the build context', () => {
        const ignore = readRepoFile(`${path}.dockerignore`).split('\n');
        for (const pattern of ['**/node_modules', '.dev-data', '.git', '**/test-results']) {
          expect(ignore).toContain(pattern);
        }
        const copies = instructions.filter((i) => i.keyword === 'COPY' || i.keyword === 'ADD');
        expect(copies.length).toBeGreaterThan(0);
        for (const copy of copies) {
          const { from, sources } = copySources(copy.args);
          if (from) continue;
          for (const source of sources) {
            expect(existsInRepo(source), `${path}: COPY ${source}`).toBe(true);
            if (source !== '.') {
              expect(isDockerIgnored(ignore, source), `${source} is ignored`).toBe(false);
            }
          }
        }
        // Everything the filtered install and the app need at run time is in the context.
        const needed = [
          'package.json',
          'pnpm-lock.yaml',
          'pnpm-workspace.yaml',
          'tsconfig.json',
          'tsconfig.base.json',
          `apps/${app}/src/main.ts`,
          'infra/build.ts',
          ...workspaceClosure(APPS[app].package).map((dir) => `${dir}/package.json`),
        ];
        for (const file of needed) {
          expect(existsInRepo(file), file).toBe(true);
          expect(isDockerIgnored(ignore, file), `${file} is ignored`).toBe(false);
        }
        for (const secretFile of ['.env', 'infra/deploy/worker.env', '.dev-data/x']) {
          expect(isDockerIgnored(ignore, secretFile), secretFile).toBe(true);
        }
      });

      it('compiles the app, deploys its production tree and starts its JavaScript with source maps', () => {
        const runs = instructions.filter((i) => i.keyword === 'RUN').map((i) => i.args);
        expect(runs).toContain(`node_modules/.bin/tsx infra/build.ts ${APPS[app].package}`);
        expect(existsInRepo('infra/build.ts')).toBe(true);
        // The runtime stage copies the production tree (what images.test.ts starts), nothing else.
        const deploy = `pnpm --filter "${APPS[app].package}" deploy --legacy --prod --offline --store-dir /pnpm/store /deploy`;
        expect(runs).toContain(deploy);
        const copies = final.filter((i) => i.keyword === 'COPY').map((i) => i.args);
        expect(copies).toEqual(['--from=deps /deploy /app']);
        const cmd = final.filter((i) => i.keyword === 'CMD').at(-1);
        const argv = JSON.parse(cmd?.args ?? '[]') as string[];
        expect(argv).toEqual([
          'node',
          '--enable-source-maps',
          '--conditions=compiled',
          'dist/main.js',
        ]);
        // What the build compiles it from.
        expect(existsInRepo(`apps/${app}/src/main.ts`)).toBe(true);
      });

      if (app === 'ingress') {
        it('exposes 8787 and checks /healthz', () => {
          expect(final.find((i) => i.keyword === 'EXPOSE')?.args).toBe('8787');
          const health = final.find((i) => i.keyword === 'HEALTHCHECK')?.args ?? '';
          expect(health).toMatch(/node.*-e.*fetch\(.*\/healthz/);
          expect(ingressRoutes().has('/healthz')).toBe(true);
          expect(IngressConfigSchema.shape.PORT.parse(undefined)).toBe(8787);
        });
      }
    });
  }
});

describe('compose.yaml', () => {
  const compose = loadYaml(resolve(deployDir, 'compose.yaml')) as Yaml;
  const services = compose.services as Record<string, Yaml>;

  function serviceEnvironment(name: string): Map<string, string> {
    const service = services[name];
    const env = new Map<string, string>();
    const files: Yaml[] = [service.env_file ?? []].flat();
    for (const entry of files) {
      const file = typeof entry === 'string' ? entry : entry.path;
      // The real file holds secrets and is not committed; its example stands in for it.
      for (const [key, value] of parseEnvFile(resolve(deployDir, `${file}.example`))) {
        env.set(key, value);
      }
    }
    const environment = service.environment ?? {};
    if (Array.isArray(environment)) {
      for (const item of environment as string[]) {
        const [key, ...rest] = item.split('=');
        env.set(key as string, rest.join('='));
      }
    } else {
      for (const [key, value] of Object.entries(environment)) env.set(key, String(value));
    }
    return env;
  }

  it('gives the Temporal server our dynamic config, with eager activity dispatch on', () => {
    const env = serviceEnvironment('temporal');
    const path = env.get('DYNAMIC_CONFIG_FILE_PATH');
    expect(path).toBe('config/dynamicconfig/code-factory.yaml');
    const mount = ((services.temporal.volumes ?? []) as string[]).find((v) =>
      v.endsWith(':/etc/temporal/config/dynamicconfig:ro'),
    );
    expect(mount).toBeDefined();
    const hostDir = resolve(deployDir, String(mount).split(':')[0] ?? '');
    const dynamic = loadYaml(resolve(hostDir, 'code-factory.yaml')) as Yaml;
    expect(dynamic['system.enableActivityEagerExecution']).toEqual([{ value: true }]);
  });

  function publishedPorts(name: string): { host: number; container: number }[] {
    return ((services[name].ports ?? []) as (string | Yaml)[]).map((port) => {
      if (typeof port !== 'string') return { host: Number(port.published), container: port.target };
      const parts = port.split(':');
      return { host: Number(parts.at(-2)), container: Number(parts.at(-1)) };
    });
  }

  it('runs PostgreSQL, Temporal on PostgreSQL, its UI, the attribute registration and both apps', () => {
    expect(Object.keys(services)).toEqual(
      expect.arrayContaining([
        'postgresql',
        'temporal-schema',
        'temporal',
        'temporal-namespace',
        'temporal-ui',
        'register-search-attributes',
        'ingress',
        'worker',
      ]),
    );
    expect(services.postgresql.image).toMatch(/^postgres:16/);
    // The server image and a schema job, not auto-setup (a development convenience).
    expect(services.temporal.image).toMatch(/^temporalio\/server:\d/);
    expect(services.temporal.environment.DB).toBe('postgres12');
    expect(services.temporal.environment.POSTGRES_SEEDS).toBe('postgresql');
    expect(services['temporal-ui'].image).toMatch(/^temporalio\/ui:\d/);
    expect(services['register-search-attributes'].image).toMatch(/^temporalio\/admin-tools:\d/);
  });

  it('sets the schema up with a job before the server starts, on infra/cluster.sh’s Temporal version', () => {
    const goMod = readFileSync(resolve(repoRoot, 'infra/cluster/go.mod'), 'utf8');
    const version = /go\.temporal\.io\/server v(\d+\.\d+\.\d+)/.exec(goMod)?.[1];
    expect(version).toBeDefined();
    expect(services.temporal.image).toBe(`temporalio/server:${version}`);
    for (const name of ['temporal-schema', 'temporal-namespace', 'register-search-attributes']) {
      expect(services[name].image, name).toMatch(new RegExp(`^temporalio/admin-tools:${version}-`));
      expect(services[name].restart, name).toBe('no');
    }
    // Start order: schema done → server → namespace → search attributes → the apps.
    expect(services.temporal.depends_on['temporal-schema'].condition).toBe(
      'service_completed_successfully',
    );
    expect(services['register-search-attributes'].depends_on['temporal-namespace'].condition).toBe(
      'service_completed_successfully',
    );
    for (const app of APP_NAMES) {
      expect(services[app].depends_on['register-search-attributes'].condition).toBe(
        'service_completed_successfully',
      );
    }
    // The job runs the same script as the Kubernetes Job, mounted from the repository.
    const mount = (services['temporal-schema'].volumes as string[])[0] ?? '';
    expect(resolve(deployDir, mount.split(':')[0] ?? '')).toBe(
      resolve(repoRoot, 'infra/deploy/k8s/temporal-schema.sh'),
    );
    const script = readFileSync(resolve(repoRoot, 'infra/deploy/k8s/temporal-schema.sh'), 'utf8');
    for (const step of ['create-database', 'setup-schema -v 0.0', 'update-schema -d']) {
      expect(script).toContain(step);
    }
    expect(script).toContain('temporal_visibility:visibility');
  });

  it('pins every pulled image to a version', () => {
    for (const [name, service] of Object.entries(services)) {
      if (service.build) continue;
      expect(service.image, name).toMatch(/:[\w.-]+$/);
      expect(service.image, name).not.toMatch(/:latest$/);
    }
  });

  it('builds ingress and worker from their Dockerfiles in the repository root context', () => {
    for (const app of APP_NAMES) {
      const { build } = services[app];
      const context = resolve(deployDir, build.context);
      expect(context).toBe(repoRoot);
      expect(existsInRepo(resolve(context, build.dockerfile))).toBe(true);
      expect(build.dockerfile).toBe(`infra/deploy/Dockerfile.${app}`);
    }
  });

  it('publishes the ingress on 8787 and the Web UI on 8080', () => {
    expect(publishedPorts('ingress')).toContainEqual({ host: 8787, container: 8787 });
    expect(serviceEnvironment('ingress').get('PORT')).toBe('8787');
    expect(publishedPorts('temporal-ui')).toContainEqual({ host: 8080, container: 8080 });
  });

  it('gives each app exactly the variables its schema reads, every required one included', () => {
    for (const app of APP_NAMES) {
      checkEnvironment(app, serviceEnvironment(app).keys(), `compose service ${app}`);
    }
  });

  it('keeps the filled-in env files out of git', () => {
    for (const app of APP_NAMES) {
      for (const entry of [services[app].env_file].flat() as (string | Yaml)[]) {
        const file = `infra/deploy/${typeof entry === 'string' ? entry : entry.path}`;
        expect(existsInRepo(`${file}.example`), `${file}.example`).toBe(true);
        const ignored = execFileSync('git', ['check-ignore', '--no-index', file], {
          cwd: repoRoot,
          encoding: 'utf8',
        });
        expect(ignored.trim()).toBe(file);
      }
    }
  });

  it('points ingress, worker and UI at the compose Temporal server', () => {
    for (const name of ['ingress', 'worker', 'temporal-ui', 'register-search-attributes']) {
      expect(services[name].environment.TEMPORAL_ADDRESS, name).toBe('temporal:7233');
    }
  });

  it('starts the apps once the schema, the server, the namespace and the search attributes are there', () => {
    expect(services['temporal-schema'].depends_on.postgresql.condition).toBe('service_healthy');
    expect(services.postgresql.healthcheck.test).toBeDefined();
    // The namespace job waits for the server to answer (`temporal operator cluster health`).
    expect(services['temporal-namespace'].entrypoint.join(' ')).toContain('cluster health');
    expect(services['temporal-ui'].depends_on['temporal-namespace'].condition).toBe(
      'service_completed_successfully',
    );
    for (const app of APP_NAMES) {
      expect(services[app].depends_on['register-search-attributes'].condition).toBe(
        'service_completed_successfully',
      );
    }
  });

  it('registers the search attributes with the repository script', () => {
    const service = services['register-search-attributes'];
    const mount = (service.volumes as string[]).find((v) => v.includes(':/code-factory/infra'));
    expect(mount).toBeDefined();
    expect(resolve(deployDir, (mount as string).split(':')[0] as string)).toBe(
      resolve(repoRoot, 'infra'),
    );
    expect(service.entrypoint).toEqual([
      'bash',
      '/code-factory/infra/register-search-attributes.sh',
    ]);
    expect(existsInRepo('infra/register-search-attributes.sh')).toBe(true);
  });

  it('health-checks the ingress on /healthz and runs two workers', () => {
    const test = (services.ingress.healthcheck.test as string[]).join(' ');
    expect(test).toMatch(/fetch\('http:\/\/127\.0\.0\.1:8787\/healthz'\)/);
    expect(services.worker.deploy.replicas).toBeGreaterThanOrEqual(2);
    expect(services.worker.container_name).toBeUndefined();
    expect(Number.parseInt(services.worker.stop_grace_period, 10)).toBeGreaterThanOrEqual(30);
  });
});

describe('Kubernetes manifests', () => {
  const files = readdirSync(k8sDir).filter((file) => file.endsWith('.yaml'));
  const docs = new Map(files.map((file) => [file, loadYamlDocuments(resolve(k8sDir, file))]));
  const all = [...docs.values()].flat();
  const byKind = (kind: string) => all.filter((doc) => doc.kind === kind);
  const deployment = (app: App) =>
    byKind('Deployment').find((doc) => doc.metadata.name === `code-factory-${app}`);
  const dataOf = (kind: 'ConfigMap' | 'Secret', name: string): Yaml | undefined => {
    const doc = byKind(kind).find((d) => d.metadata.name === name);
    return doc ? { ...doc.data, ...doc.stringData } : undefined;
  };

  it('are well-formed and listed in the kustomization (except the secret example)', () => {
    for (const doc of all) {
      expect(doc.apiVersion).toBeTruthy();
      expect(doc.kind).toBeTruthy();
    }
    for (const required of [
      'namespace.yaml',
      'configmap.yaml',
      'secret.example.yaml',
      'ingress-deployment.yaml',
      'worker-deployment.yaml',
      'worker-hpa.yaml',
    ]) {
      expect(files).toContain(required);
    }
    const kustomization = docs.get('kustomization.yaml')?.[0];
    expect(kustomization.kind).toBe('Kustomization');
    expect([...kustomization.resources].sort()).toEqual(
      files.filter((f) => f !== 'kustomization.yaml' && f !== 'secret.example.yaml').sort(),
    );
  });

  it('hold only placeholder values in the secret example', () => {
    const secrets = docs.get('secret.example.yaml') ?? [];
    expect(secrets.length).toBeGreaterThan(0);
    for (const secret of secrets) {
      expect(secret.kind).toBe('Secret');
      expect(secret.data).toBeUndefined();
      for (const [key, value] of Object.entries(secret.stringData as Record<string, string>)) {
        expect(value, `${secret.metadata.name}.${key}`).toContain('replace-me');
      }
    }
  });

  for (const app of APP_NAMES) {
    describe(`${app} Deployment`, () => {
      const doc = deployment(app);
      const pod = doc?.spec.template.spec;
      const container = pod?.containers[0];

      it('uses the image compose builds and selects its own pods', () => {
        const compose = loadYaml(resolve(deployDir, 'compose.yaml')) as Yaml;
        expect(imageRepository(container.image)).toBe(imageRepository(compose.services[app].image));
        for (const [key, value] of Object.entries(doc.spec.selector.matchLabels)) {
          expect(doc.spec.template.metadata.labels[key]).toBe(value);
        }
      });

      it('gives it exactly the variables its schema reads, every required one included', () => {
        const names: string[] = (container.env ?? []).map((e: Yaml) => e.name);
        for (const source of container.envFrom ?? []) {
          const ref = source.configMapRef ?? source.secretRef;
          const kind = source.configMapRef ? 'ConfigMap' : 'Secret';
          const data = dataOf(kind, ref.name);
          if (!data) {
            expect(ref.optional, `${kind} ${ref.name} is not defined`).toBe(true);
            continue;
          }
          names.push(...Object.keys(data));
        }
        checkEnvironment(app, names, `k8s ${app}`);
      });

      it('mounts only Secrets the example defines', () => {
        for (const volume of pod.volumes ?? []) {
          if (volume.secret) {
            expect(dataOf('Secret', volume.secret.secretName), volume.name).toBeDefined();
          }
        }
      });

      it('runs as non-root without privilege escalation, with resources', () => {
        const runAsNonRoot =
          container.securityContext?.runAsNonRoot ?? pod.securityContext?.runAsNonRoot;
        expect(runAsNonRoot).toBe(true);
        const uid = container.securityContext?.runAsUser ?? pod.securityContext?.runAsUser;
        expect(uid).toBeGreaterThan(0);
        expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
        expect(container.resources.requests.cpu).toBeTruthy();
        expect(container.resources.requests.memory).toBeTruthy();
        expect(container.resources.limits.memory).toBeTruthy();
        if (container.securityContext.readOnlyRootFilesystem) {
          expect(container.volumeMounts.map((m: Yaml) => m.mountPath)).toContain('/tmp');
        }
      });

      it('gives the process time to shut down gracefully', () => {
        expect(pod.terminationGracePeriodSeconds).toBeGreaterThanOrEqual(
          app === 'worker' ? 30 : 15,
        );
      });
    });
  }

  it('probes the ingress on routes it serves, on its port', () => {
    const pod = deployment('ingress')?.spec.template.spec;
    const container = pod.containers[0];
    const routes = ingressRoutes();
    const port = container.ports.find((p: Yaml) => p.containerPort === 8787);
    expect(port).toBeDefined();
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    for (const probe of ['readinessProbe', 'livenessProbe', 'startupProbe']) {
      const httpGet = container[probe]?.httpGet;
      if (!httpGet) continue;
      expect(routes.has(httpGet.path), `${probe} ${httpGet.path}`).toBe(true);
      expect([port.name, port.containerPort]).toContain(httpGet.port);
    }
    const config = dataOf('ConfigMap', 'code-factory-ingress');
    expect(config?.PORT ?? '8787').toBe('8787');
  });

  it('routes the ingress Service to the ingress pods', () => {
    const service = byKind('Service').find((s) => s.metadata.name === 'code-factory-ingress');
    const doc = deployment('ingress');
    for (const [key, value] of Object.entries(service.spec.selector)) {
      expect(doc.spec.template.metadata.labels[key]).toBe(value);
    }
    const container = doc.spec.template.spec.containers[0];
    const names = container.ports.map((p: Yaml) => p.name);
    for (const port of service.spec.ports) {
      expect([...names, 8787]).toContain(port.targetPort);
    }
  });

  it('runs at least two workers and scales them on CPU', () => {
    const worker = deployment('worker');
    expect(worker.spec.replicas).toBeGreaterThanOrEqual(2);
    const hpa = byKind('HorizontalPodAutoscaler')[0];
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      name: worker.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThanOrEqual(2);
    expect(hpa.spec.maxReplicas).toBeGreaterThan(hpa.spec.minReplicas);
    expect(hpa.spec.metrics[0].resource.name).toBe('cpu');
  });
});

describe('docs/deployment.md', () => {
  it('documents images, compose, Kubernetes, Temporal Cloud and the attribute script', () => {
    const doc = readRepoFile('docs/deployment.md');
    for (const needle of [
      'docker build -f infra/deploy/Dockerfile.ingress',
      'docker compose -f infra/deploy/compose.yaml up',
      'kubectl apply -k infra/deploy/k8s',
      'bash infra/register-search-attributes.sh',
      'TEMPORAL_API_KEY',
      'TEMPORAL_TLS_CLIENT_CERT_PATH',
      'tests/deploy',
    ]) {
      expect(doc).toContain(needle);
    }
  });
});
