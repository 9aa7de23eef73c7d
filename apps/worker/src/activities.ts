/**
 * The task workflow's activities: every Coder and GitHub call. Each takes and returns small
 * plain JSON; errors leave through `withFailureMapping` with a type the workflow knows.
 */
import {
  type AgentBackend,
  type AgentHandle,
  type BackendKind,
  type ReadinessTimings,
  waitUntilReady,
} from '@code-factory/coder';
import type { CiFailed } from '@code-factory/events';
import type { GitHubApp } from '@code-factory/github';
import {
  agentBrief,
  type BriefTemplates,
  type CiFailureReport,
  MAX_FAILED_JOBS,
  MAX_LOG_LINES,
  renderStatusComment,
  STATUS_MARKER,
} from '@code-factory/messages';
import {
  CONFIG_PATH,
  parseRepoConfig,
  type RepoConfig,
  withDefaults,
} from '@code-factory/repo-config';
import type {
  AgentRef,
  IssueRef,
  RepoConfigState,
  RepositoryActivities,
  StartAgentInput,
  TaskActivities,
} from '@code-factory/workflows';
import { Context, log, sleep } from '@temporalio/activity';
import { withFailureMapping } from './failures';

export interface ActivityDeps {
  github: GitHubApp;
  backends: Partial<Record<BackendKind, AgentBackend>>;
  defaultBackend: BackendKind;
  timings: ReadinessTimings;
  templates: BriefTemplates;
  /** GitHub login of the agent user: only its pull requests are followed. */
  agentLogin: string;
  /** The config the repository workflow stores; null when that workflow does not exist yet. */
  storedRepoConfig(repository: { owner: string; name: string }): Promise<RepoConfigState | null>;
}

export type WorkerActivities = TaskActivities & RepositoryActivities;

export function createActivities(deps: ActivityDeps): WorkerActivities {
  const backend = (kind: BackendKind): AgentBackend => {
    const found = deps.backends[kind];
    if (!found) throw new Error(`the ${kind} backend is not configured on this worker`);
    return found;
  };
  const repo = (ref: IssueRef) => ({ owner: ref.repository.owner, repo: ref.repository.name });

  /**
   * The repository's config: the one its repository workflow stored at the last push, or,
   * before any push was seen, the file on the default branch.
   */
  const repoConfig = async (ref: IssueRef): Promise<RepoConfig | null> => {
    const stored = await deps.storedRepoConfig(ref.repository);
    if (stored?.sha) return stored.config;
    const text = await deps.github
      .installation(ref.installationId)
      .fileText({ ...repo(ref), path: CONFIG_PATH });
    if (text === null) return null;
    const parsed = parseRepoConfig(text);
    if (!parsed.ok) {
      log.warn('repo config on the default branch is invalid; using defaults', {
        repository: `${ref.repository.owner}/${ref.repository.name}`,
        errors: parsed.errors,
      });
      return null;
    }
    return parsed.config;
  };

  const activities: WorkerActivities = {
    async checkAssignerPermission(input) {
      return deps.github
        .installation(input.installationId)
        .collaboratorPermission({ ...repo(input), username: input.login });
    },

    async resolveCoderIdentity(input) {
      const config = await repoConfig(input);
      const kind = config?.agent?.backend ?? deps.defaultBackend;
      const { owner } = await backend(kind).resolveOwner({
        githubUserId: input.githubUserId,
        githubLogin: input.githubLogin,
      });
      return { backend: kind, owner, repoConfig: config };
    },

    async startAgent(input: StartAgentInput) {
      const config = input.repoConfig !== undefined ? input.repoConfig : await repoConfig(input);
      const brief = agentBrief(
        { url: input.issueUrl, owner: input.repository.owner, repo: input.repository.name },
        config ? withDefaults(config) : null,
        deps.templates,
        input.backend,
      );
      const { agent, adopted } = await backend(input.backend).ensureAgent({
        taskName: input.taskName,
        owner: input.owner,
        input: brief.input,
        templateName: brief.templateName,
        labels: {
          'code-factory/task': input.taskName,
          'code-factory/issue': `${input.repository.owner}/${input.repository.name}#${input.issueNumber}`,
        },
      });
      return { agent: toRef(agent), adopted };
    },

    async waitForAgentReady({ agent }) {
      const ctx = Context.current();
      const status = await waitUntilReady(backend(agent.backend), agent, deps.timings, {
        now: () => Date.now(),
        // Activity sleep rejects when the workflow cancels us (e.g. the issue was closed).
        sleep: (ms) => sleep(ms),
        onPoll: (s) => ctx.heartbeat({ readiness: s.readiness, detail: s.detail }),
      });
      return status.pullRequestUrl
        ? { state: status.detail, pullRequestUrl: status.pullRequestUrl }
        : { state: status.detail };
    },

    async deliverToAgent({ agent, text }) {
      const result = await backend(agent.backend).send(agent, text);
      // Exported with the runtime's metrics (Prometheus when WORKER_METRICS_ADDRESS is set).
      Context.current()
        .metricMeter.createCounter(
          'code_factory_forwarded_messages',
          'messages',
          'Messages delivered to agents',
        )
        .add(1, { backend: agent.backend, queued: String(result.queued) });
      return result;
    },

    async interruptAgent({ agent }) {
      const chosen = backend(agent.backend);
      if (!chosen.interrupt) {
        throw new Error(`the ${agent.backend} backend cannot interrupt an agent`);
      }
      await chosen.interrupt(agent);
    },

    async stopAgent({ agent }) {
      return backend(agent.backend).close(agent);
    },

    async upsertStatusComment(input) {
      return deps.github.installation(input.installationId).upsertStatusComment({
        ...repo(input),
        issueNumber: input.issueNumber,
        commentId: input.commentId,
        body: renderStatusComment(input.view),
        marker: STATUS_MARKER,
      });
    },

    async reactToComment(input) {
      await deps.github.installation(input.installationId).addReaction({
        ...repo(input),
        commentId: input.commentId,
        source: input.source,
        content: 'eyes',
      });
    },

    async collectCiFailure(event: CiFailed): Promise<CiFailureReport> {
      const gh = deps.github.installation(event.installationId);
      const target = { owner: event.repository.owner, repo: event.repository.name };
      const pull = await gh.pullRequest({ ...target, number: event.pullRequest.number });
      if (pull.headSha !== event.run.headSha) return { current: false, jobs: [] };
      const jobs = await gh.failedJobs({ ...target, runId: event.run.id, max: MAX_FAILED_JOBS });
      const withLogs = [];
      for (const job of jobs) {
        const logTail = await gh
          .jobLogTail({ ...target, jobId: job.id, lines: MAX_LOG_LINES })
          .catch(
            (err: unknown) =>
              `(log unavailable: ${err instanceof Error ? err.message : String(err)})`,
          );
        withLogs.push({ name: job.name, url: job.url, logTail });
      }
      return { current: true, jobs: withLogs };
    },

    async readRepoConfig(input) {
      const text = await deps.github.installation(input.installationId).fileText({
        owner: input.repository.owner,
        repo: input.repository.name,
        path: CONFIG_PATH,
        ref: input.sha,
      });
      if (text === null) return { status: 'absent' };
      const parsed = parseRepoConfig(text);
      return parsed.ok
        ? { status: 'valid', config: parsed.config }
        : { status: 'invalid', errors: parsed.errors };
    },

    async linkedIssues(input) {
      return deps.github.installation(input.installationId).linkedIssues({
        owner: input.repository.owner,
        repo: input.repository.name,
        pullNumber: input.pullNumber,
      });
    },

    async agentPullRequestsForRun(input) {
      const gh = deps.github.installation(input.installationId);
      const target = { owner: input.repository.owner, repo: input.repository.name };
      const candidates = input.pullRequestNumbers.length
        ? await Promise.all(
            input.pullRequestNumbers.map((number) => gh.pullRequest({ ...target, number })),
          )
        : await gh.openPullRequestsWithHead({ ...target, headSha: input.headSha });
      const agentLogin = deps.agentLogin.toLowerCase();
      const result = [];
      for (const pull of candidates) {
        // Only the agent's open pull requests, and only while they are still at the run's commit.
        if (pull.authorLogin.toLowerCase() !== agentLogin) continue;
        if (pull.state !== 'open' || pull.headSha !== input.headSha) continue;
        const issueNumbers = await gh.linkedIssues({ ...target, pullNumber: pull.number });
        result.push({ number: pull.number, url: pull.url, issueNumbers });
      }
      return result;
    },
  };
  return withFailureMapping(
    activities as unknown as Record<string, (...args: never[]) => Promise<unknown>>,
  ) as unknown as WorkerActivities;
}

function toRef(agent: AgentHandle): AgentRef {
  return {
    backend: agent.backend,
    id: agent.id,
    owner: agent.owner,
    name: agent.name,
    url: agent.url,
  };
}
