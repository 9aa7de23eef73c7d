/**
 * The agent backend port. Workflows never know whether a Coder task or a Coder Agents chat
 * runs the agent: activities talk to this interface, and each backend maps its own states
 * onto `AgentStatus`.
 */

export type BackendKind = 'tasks' | 'agents';

export interface AgentHandle {
  backend: BackendKind;
  id: string;
  owner: string;
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
  /** Needs a person (e.g. a tool approval); input cannot help. */
  | 'blocked'
  /** Does not exist (any more). */
  | 'gone';

export interface AgentStatus {
  readiness: Readiness;
  /** The backend's own words, for logs and the Web UI. */
  detail: string;
  /** The pull request the agent opened, when the backend knows it. */
  pullRequestUrl?: string;
}

export interface EnsureAgentInput {
  taskName: string;
  owner: string;
  /** The agent's brief: the issue URL, or the config-aware JSON input. */
  input: string;
  /** Overrides the configured template (config-aware or codex templates). */
  templateName?: string;
  /** Extra labels (Agents backend). */
  labels?: Record<string, string>;
}

export interface AgentBackend {
  readonly kind: BackendKind;
  /** Whether input can be sent while the agent is busy (the backend queues it). */
  readonly queuesWhileBusy: boolean;
  /** The Coder user who will own the agent for this GitHub user. */
  resolveOwner(input: { githubUserId: number; githubLogin: string }): Promise<{ owner: string }>;
  /** Creates the agent, or adopts the one that exists under the task name. */
  ensureAgent(input: EnsureAgentInput): Promise<{ agent: AgentHandle; adopted: boolean }>;
  status(agent: AgentHandle): Promise<AgentStatus>;
  /** Starts a paused agent again. */
  resume(agent: AgentHandle): Promise<void>;
  send(agent: AgentHandle, text: string): Promise<{ queued: boolean }>;
  /** Deletes or archives the agent; a missing agent is not an error. */
  close(agent: AgentHandle): Promise<{ existed: boolean }>;
  /** Stops the current turn, where the backend supports it. */
  interrupt?(agent: AgentHandle): Promise<void>;
}
