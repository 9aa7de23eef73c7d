/**
 * The agent backend port. Workflows never know whether a Coder task or a Coder Agents chat
 * runs the agent: activities talk to this interface, and each backend maps its own states
 * onto `AgentStatus`.
 */

import type { BackendKind } from '@code-factory/events/kinds';

export type { BackendKind };

export interface AgentHandle {
  backend: BackendKind;
  id: string;
  /** Coder username that owns the agent. */
  owner: string;
  /** Coder user id of the owner (Agents backend: the chat's `owner_id`). */
  ownerId?: string;
  name: string;
  url: string;
}

export type Readiness =
  /** Can take input now. */
  | 'ready'
  /** Working on something; input must wait (Tasks) or is queued by Coder (Agents). */
  | 'busy'
  /** Being created or started. */
  | 'starting'
  /** Stopped; can be resumed. */
  | 'paused'
  /** Reports an error; may recover within the grace period. */
  | 'error'
  /** Waits for a person (Agents: `requires_action`); input is queued meanwhile. */
  | 'blocked'
  /** Does not exist (any more). */
  | 'gone';

/** An agent's error as Coder classifies it (Agents: the chat's `last_error`). */
export interface AgentError {
  kind: string;
  message: string;
  retryable: boolean;
  /** A person must act (budget, credentials, configuration); `explanation` says what. */
  userFixable: boolean;
  explanation?: string;
}

/** The pull request an agent opened (Agents: the chat's `diff_status`). */
export interface AgentPullRequest {
  url: string;
  number?: number;
  /** open, draft, merged, closed. */
  state?: string;
}

export interface AgentStatus {
  readiness: Readiness;
  /** The backend's own words, for logs and the Web UI. */
  detail: string;
  /** The backend's status value as it sent it (Agents: the chat's `status`). */
  state?: string;
  /** The pull request the agent opened, when the backend knows it. */
  pullRequestUrl?: string;
  pullRequest?: AgentPullRequest;
  /** Every pull request, when the agent opened more than one (Coder v2.39 `diff_statuses`). */
  pullRequests?: AgentPullRequest[];
  error?: AgentError;
  /** What the agent did in its last turn (Agents: `last_turn_summary`). */
  summary?: string;
}

export interface EnsureAgentInput {
  taskName: string;
  owner: string;
  /** Coder user id of the requester (Agents backend: the chat's `owner_id`). */
  ownerId?: string;
  /** The agent's brief: the issue URL, or the config-aware JSON input. */
  input: string;
  /** Overrides the configured template (config-aware or codex templates). */
  templateName?: string;
  /** Extra labels (Agents backend). */
  labels?: Record<string, string>;
  /** What Coder's UI calls the agent (Agents: the chat's `title`, `owner/repo#N: <title>`). */
  title?: string;
  /** Coder project (name or id) the chat joins (Agents, `project_id`; repo config `coder.project`). */
  project?: string;
  /** Workspace rich parameters from the repo config (Agents backend with a workspace template). */
  parameters?: Record<string, string>;
}

export interface EnsureAgentResult {
  agent: AgentHandle;
  adopted: boolean;
  /** The status the agent reported when it was created or adopted. */
  status?: AgentStatus;
  /** Set when the agent could not be owned by the requester: why, in plain words. */
  ownerFallback?: string;
}

export interface AgentBackend {
  readonly kind: BackendKind;
  /** Whether input can be sent while the agent is busy (the backend queues it). */
  readonly queuesWhileBusy: boolean;
  /** The Coder user who will own the agent for this GitHub user. */
  resolveOwner(input: {
    githubUserId: number;
    githubLogin: string;
  }): Promise<{ owner: string; ownerId?: string }>;
  /** Creates the agent, or adopts the one that exists under the task name. */
  ensureAgent(input: EnsureAgentInput): Promise<EnsureAgentResult>;
  status(agent: AgentHandle): Promise<AgentStatus>;
  /** Starts a paused agent again. */
  resume(agent: AgentHandle): Promise<void>;
  send(agent: AgentHandle, text: string): Promise<{ queued: boolean }>;
  /** Deletes or archives the agent; a missing agent is not an error. */
  close(agent: AgentHandle): Promise<{ existed: boolean }>;
  /** Stops the current turn, where the backend supports it. */
  interrupt?(agent: AgentHandle): Promise<void>;
}
