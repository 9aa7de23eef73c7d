/**
 * Who may act, issue comments and reactions:
 *  - "Get repository permissions for a user"
 *    `GET /repos/{owner}/{repo}/collaborators/{username}/permission` → `{ permission, role_name,
 *    user }`; `permission` is the legacy admin/write/read/none, `role_name` the role:
 *    https://docs.github.com/en/rest/collaborators/collaborators#get-repository-permissions-for-a-user
 *  - "List / Create / Get / Update an issue comment" (422 without `body`):
 *    https://docs.github.com/en/rest/issues/comments
 *  - "Create reaction for an issue comment" and "… for a pull request review comment": 201 when
 *    new, 200 when this user already left that reaction, 422 for an unknown content:
 *    https://docs.github.com/en/rest/reactions/reactions
 */
import type { Hono } from 'hono';
import type { FakeContext, FakeEnv } from '../http-fake';
import {
  apiBase,
  bodyObject,
  type GitHubPermission,
  type GitHubState,
  ghError,
  iso,
  notFound,
  ownerRepo,
  paginate,
  REACTION_CONTENTS,
  type ReactionContent,
  type RecordedReaction,
  repoKey,
  userJson,
} from './state';

const REACTIONS = new Set<string>(REACTION_CONTENTS);
const ROLE_TO_PERMISSION: Record<GitHubPermission, 'admin' | 'write' | 'read' | 'none'> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};

export function registerIssueRoutes(app: Hono<FakeEnv>, state: GitHubState): void {
  app.get('/repos/:owner/:repo/collaborators/:login/permission', (c) => {
    const { owner, repo, login } = c.req.param();
    const role = state.permissions.get(`${repoKey(owner, repo)}:${login.toLowerCase()}`) ?? 'none';
    return c.json({
      permission: ROLE_TO_PERMISSION[role],
      role_name: role,
      user: userJson(login, state.idOf(login)),
    });
  });

  const ownComment = (c: FakeContext) => {
    const stored = state.comments.get(Number(c.req.param('id')));
    return stored && repoKey(stored.owner, stored.repo) === repoKey(...ownerRepo(c))
      ? stored
      : undefined;
  };

  app.get('/repos/:owner/:repo/issues/comments/:id', (c) => {
    const stored = ownComment(c);
    return stored ? c.json(state.commentJson(apiBase(c), stored)) : notFound(c);
  });

  app.patch('/repos/:owner/:repo/issues/comments/:id', (c) => {
    const stored = ownComment(c);
    if (!stored) return notFound(c);
    const body = bodyObject(c).body;
    if (typeof body !== 'string')
      return ghError(c, 422, 'Invalid request.\n\n"body" wasn\'t supplied.');
    stored.body = body;
    stored.updatedAt = Date.now();
    return c.json(state.commentJson(apiBase(c), stored));
  });

  app.get('/repos/:owner/:repo/issues/:number/comments', (c) => {
    const [owner, repo] = ownerRepo(c);
    const issue = Number(c.req.param('number'));
    return c.json(
      paginate(c, state.listComments(owner, repo, issue)).map((s) =>
        state.commentJson(apiBase(c), s),
      ),
    );
  });

  app.post('/repos/:owner/:repo/issues/:number/comments', (c) => {
    const [owner, repo] = ownerRepo(c);
    const body = bodyObject(c).body;
    if (typeof body !== 'string')
      return ghError(c, 422, 'Invalid request.\n\n"body" wasn\'t supplied.');
    const issue = Number(c.req.param('number'));
    const stored = state.storeComment(owner, repo, issue, body, state.bot, 'NONE');
    return c.json(state.commentJson(apiBase(c), stored), 201);
  });

  const reactionRoute =
    (subject: RecordedReaction['subject']) =>
    (c: FakeContext): Response => {
      const [owner, repo] = ownerRepo(c);
      const commentId = Number(c.req.param('id'));
      const content = bodyObject(c).content;
      if (typeof content !== 'string' || !REACTIONS.has(content)) {
        return ghError(c, 422, 'Validation Failed');
      }
      // Comments from webhooks are not seeded here, so any comment id is accepted.
      const existing = state.reactions.find(
        (r) =>
          r.subject === subject &&
          r.commentId === commentId &&
          r.content === content &&
          repoKey(r.owner, r.repo) === repoKey(owner, repo),
      );
      const reaction = existing ?? {
        owner,
        repo,
        subject,
        commentId,
        content: content as ReactionContent,
        id: state.nextId(),
      };
      if (!existing) state.reactions.push(reaction);
      return c.json(
        {
          id: reaction.id,
          node_id: Buffer.from(`08:Reaction${reaction.id}`).toString('base64'),
          user: state.bot,
          content: reaction.content,
          created_at: iso(Date.now()),
        },
        existing ? 200 : 201,
      );
    };
  app.post('/repos/:owner/:repo/issues/comments/:id/reactions', reactionRoute('issue_comment'));
  app.post(
    '/repos/:owner/:repo/pulls/comments/:id/reactions',
    reactionRoute('pull_request_review_comment'),
  );
}
