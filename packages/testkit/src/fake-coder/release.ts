/**
 * Which Coder release the fake pretends to be. Each row follows coder/coder history as recorded
 * in coder-research.md:
 * - `2.36`: chats only under `/api/experimental` (before #28496), Tasks API still served
 *   (removed by #28789), no `owner_id` on CreateChatRequest.
 * - `2.37`: the one-release window of #28496, where chat routes answer on both `/api/v2` and
 *   `/api/experimental`; Tasks gone (#28789); `owner_id` silently ignored by the JSON decoder
 *   (httpapi.Read has no DisallowUnknownFields; the #29683 backport is not in).
 * - `current`: main after #29548 (experimental mounts removed: chat_routes.go) and #29581
 *   (`owner_id` honoured).
 * Paths that a release does not mount answer httpapi.RouteNotFound (404 "Route not found.").
 */
export type CoderRelease = 'current' | '2.37' | '2.36';

export interface ReleaseTraits {
  /** What `GET /api/v2/buildinfo` reports (codersdk.BuildInfoResponse.version). */
  version: string;
  /** Where the Chats API is mounted. */
  chatMounts: readonly string[];
  /** `/api/v2/tasks` is served. */
  tasks: boolean;
  /** CreateChatRequest.owner_id is honoured (else ignored: the caller owns the chat). */
  ownerId: boolean;
}

export const CHATS_V2 = '/api/v2/chats';
export const CHATS_EXPERIMENTAL = '/api/experimental/chats';

export const RELEASES: Record<CoderRelease, ReleaseTraits> = {
  current: { version: 'v2.38.0', chatMounts: [CHATS_V2], tasks: false, ownerId: true },
  '2.37': {
    version: 'v2.37.2',
    chatMounts: [CHATS_V2, CHATS_EXPERIMENTAL],
    tasks: false,
    ownerId: false,
  },
  '2.36': { version: 'v2.36.4', chatMounts: [CHATS_EXPERIMENTAL], tasks: true, ownerId: false },
};
