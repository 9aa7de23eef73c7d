/**
 * Which Coder release the fake pretends to be. Each row follows coder/coder history as recorded
 * in coder-research.md and, for 2.39, coder.com/docs/v2.39/reference/api (the v2.39 API
 * reference):
 * - `2.36`: chats only under `/api/experimental` (before #28496), Tasks API still served
 *   (removed by #28789), no `owner_id` on CreateChatRequest.
 * - `2.37`: the one-release window of #28496, where chat routes answer on both `/api/v2` and
 *   `/api/experimental`; Tasks gone (#28789); `owner_id` silently ignored by the JSON decoder
 *   (httpapi.Read has no DisallowUnknownFields; the #29683 backport is not in).
 * - `2.38` (also accepted as `current`, its old name): main after #29548 (experimental mounts
 *   removed: chat_routes.go) and #29581 (`owner_id` honoured). codersdk.Chat at C1 (004053e8,
 *   before #29581) already has `queued_for_capacity`, so 2.38 has it too.
 * - `2.39` (the default): the v2.39 API reference adds to CreateChatRequest `title` (trimmed,
 *   1..200 code points, MaxChatTitleRunes), `project_id`, and makes `content` optional (an empty
 *   one creates the chat idle); Chat gains `diff_statuses[]` (every ref the chat tracks, in the
 *   order first reported) with `diff_status` the primary (the ref with the most recent report),
 *   each ChatDiffStatus with `git_branch` and `remote_origin` ("Get chat diff contents" takes
 *   `origin`/`branch`); the watch event carries `changed_diff_status { ref, status }` with kind
 *   `diff_status_change` (the kind keeps its name). Modelled on 2.39 only, because the v2.39
 *   pages are where we saw them: `q=status:` on the list, the per-chat queue limit
 *   (chatd Limits.MaxQueuedMessagesPerChat, `--chat-max-queued-messages-per-chat`), Coder
 *   Projects (early access, `/api/experimental/chats/projects`), `GET /chats/{chat}/cost`.
 * Paths that a release does not mount answer httpapi.RouteNotFound (404 "Route not found.").
 */
export type CoderRelease = '2.39' | '2.38' | 'current' | '2.37' | '2.36';

export interface ReleaseTraits {
  /** What `GET /api/v2/buildinfo` reports (codersdk.BuildInfoResponse.version). */
  version: string;
  /** Where the Chats API is mounted. */
  chatMounts: readonly string[];
  /** `/api/v2/tasks` is served. */
  tasks: boolean;
  /** CreateChatRequest.owner_id is honoured (else ignored: the caller owns the chat). */
  ownerId: boolean;
  /** Chat.queued_for_capacity on single-chat reads (a deployment at its agent limit). */
  queuedForCapacity: boolean;
  /** The 2.39 chat API: title/project_id/optional content, diff_statuses, status filter, ... */
  v239: boolean;
}

export const CHATS_V2 = '/api/v2/chats';
export const CHATS_EXPERIMENTAL = '/api/experimental/chats';
/** Coder Projects (early access) stay under the experimental prefix in 2.39. */
export const CHAT_PROJECTS = '/api/experimental/chats/projects';

const V238: ReleaseTraits = {
  version: 'v2.38.0',
  chatMounts: [CHATS_V2],
  tasks: false,
  ownerId: true,
  queuedForCapacity: true,
  v239: false,
};

export const DEFAULT_RELEASE: CoderRelease = '2.39';

export const RELEASES: Record<CoderRelease, ReleaseTraits> = {
  '2.39': { ...V238, version: 'v2.39.0', v239: true },
  '2.38': V238,
  current: V238,
  '2.37': {
    version: 'v2.37.2',
    chatMounts: [CHATS_V2, CHATS_EXPERIMENTAL],
    tasks: false,
    ownerId: false,
    queuedForCapacity: false,
    v239: false,
  },
  '2.36': {
    version: 'v2.36.4',
    chatMounts: [CHATS_EXPERIMENTAL],
    tasks: true,
    ownerId: false,
    queuedForCapacity: false,
    v239: false,
  },
};

export const CODER_RELEASES = Object.keys(RELEASES) as CoderRelease[];
