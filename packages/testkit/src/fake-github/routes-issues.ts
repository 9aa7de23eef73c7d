/**
 * Who may act, issues, issue comments and reactions:
 *  - "Get repository permissions for a user": `permission` is the legacy admin/write/read/none,
 *    `role_name` the role:
 *    https://docs.github.com/en/rest/collaborators/collaborators#get-repository-permissions-for-a-user
 *  - "List / Create / Update an issue comment": https://docs.github.com/en/rest/issues/comments
 *  - "Create reaction for an issue comment" and "… for a pull request review comment": 201 when
 *    new, 200 when this user already left that reaction:
 *    https://docs.github.com/en/rest/reactions/reactions
 *  - Issues the App opens: "Create an issue" (`labels` by name; the App's bot is the `user`),
 *    "List repository issues" (`labels`: all must match) and "Update an issue", which the
 *    follow-through uses to reopen one (`closeIssue` plays a person closing it):
 *    https://docs.github.com/en/rest/issues/issues
 *    Not served, as the product does not call it: "Get an issue".
 */
import type { Hono } from 'hono';
import { bodyOf, type FakeContext, type FakeEnv } from '../http-fake';
import { apiBase, ghError, invalidRequest, iso, notFound, ownerRepo, paginate } from './http';
import {
  type FakeIssue,
  type GitHubPermission,
  type GitHubState,
  inRepo,
  REACTION_CONTENTS,
  type RecordedReaction,
  userJson,
} from './state';

const LEGACY_PERMISSION: Record<GitHubPermission, GitHubPermission> = {
  admin: 'admin',
  maintain: 'write',
  write: 'write',
  triage: 'read',
  read: 'read',
  none: 'none',
};
const NO_BODY = '"body" wasn\'t supplied.';

export function registerIssueRoutes(app: Hono<FakeEnv>, state: GitHubState): void {
  app.get('/repos/:owner/:repo/collaborators/:login/permission', (c) => {
    const { owner, repo, login } = c.req.param();
    const role = state.permission(owner, repo, login);
    const user = userJson(login, state.idOf(login));
    return c.json({ permission: LEGACY_PERMISSION[role], role_name: role, user });
  });

  const ownComment = (c: FakeContext) => {
    const stored = state.comments.get(Number(c.req.param('id')));
    return stored && inRepo(...ownerRepo(c))(stored) ? stored : undefined;
  };

  app.patch('/repos/:owner/:repo/issues/comments/:id', (c) => {
    const stored = ownComment(c);
    if (!stored) return notFound(c);
    const body = bodyOf(c).body;
    if (typeof body !== 'string') return invalidRequest(c, NO_BODY);
    Object.assign(stored, { body, updatedAt: Date.now() });
    return c.json(state.commentJson(apiBase(c), stored));
  });

  app.get('/repos/:owner/:repo/issues/:number/comments', (c) => {
    const comments = state.listComments(...ownerRepo(c), Number(c.req.param('number')));
    return c.json(paginate(c, comments).map((s) => state.commentJson(apiBase(c), s)));
  });

  app.post('/repos/:owner/:repo/issues/:number/comments', (c) => {
    const [owner, repo] = ownerRepo(c);
    const body = bodyOf(c).body;
    if (typeof body !== 'string') return invalidRequest(c, NO_BODY);
    const issue = Number(c.req.param('number'));
    const where = { owner, repo, issue, body, user: state.bot, authorAssociation: 'NONE' };
    return c.json(state.commentJson(apiBase(c), state.storeComment(where)), 201);
  });

  const reactionRoute = (subject: RecordedReaction['subject']) => (c: FakeContext) => {
    const [owner, repo] = ownerRepo(c);
    const commentId = Number(c.req.param('id'));
    const content = bodyOf(c).content;
    if (typeof content !== 'string' || !REACTION_CONTENTS.includes(content)) {
      return ghError(c, 422, 'Validation Failed');
    }
    // Comments from webhooks are not seeded here, so any comment id is accepted.
    const existing = state.reactions.find(
      (r) =>
        r.subject === subject &&
        r.commentId === commentId &&
        r.content === content &&
        inRepo(owner, repo)(r),
    );
    const reaction = existing ?? { owner, repo, subject, commentId, content, id: state.nextId() };
    if (!existing) state.reactions.push(reaction);
    const node_id = Buffer.from(`08:Reaction${reaction.id}`).toString('base64');
    const json = {
      id: reaction.id,
      node_id,
      user: state.bot,
      content,
      created_at: iso(Date.now()),
    };
    return c.json(json, existing ? 200 : 201);
  };
  app.post('/repos/:owner/:repo/issues/comments/:id/reactions', reactionRoute('issue_comment'));
  app.post(
    '/repos/:owner/:repo/pulls/comments/:id/reactions',
    reactionRoute('pull_request_review_comment'),
  );

  const issueJson = (c: FakeContext, i: FakeIssue) => ({
    id: 6_000_000_000 + i.number,
    node_id: Buffer.from(`05:Issue${i.number}`).toString('base64'),
    url: `${apiBase(c)}/repos/${i.owner}/${i.repo}/issues/${i.number}`,
    html_url: `${state.htmlBase}/${i.owner}/${i.repo}/issues/${i.number}`,
    number: i.number,
    state: i.state,
    title: i.title,
    body: i.body,
    user: state.bot,
    labels: i.labels.map((name) => ({ name })),
    assignees: [],
    comments: 0,
    created_at: iso(Date.now()),
    author_association: 'NONE',
  });
  const issuesOf = (c: FakeContext) => state.issues.filter(inRepo(...ownerRepo(c)));

  app.post('/repos/:owner/:repo/issues', (c) => {
    const [owner, repo] = ownerRepo(c);
    const body = bodyOf(c);
    if (typeof body.title !== 'string' || body.title === '') {
      return invalidRequest(c, '"title" wasn\'t supplied.');
    }
    const labels = Array.isArray(body.labels)
      ? body.labels.filter((l) => typeof l === 'string')
      : [];
    const issue: FakeIssue = {
      owner,
      repo,
      number: 5_001 + state.issues.length,
      title: body.title,
      body: typeof body.body === 'string' ? body.body : '',
      labels,
      state: 'open',
      author: state.bot.login,
    };
    state.issues.push(issue);
    return c.json(issueJson(c, issue), 201);
  });

  app.patch('/repos/:owner/:repo/issues/:number', (c) => {
    const number = Number(c.req.param('number'));
    const issue = issuesOf(c).find((i) => i.number === number);
    if (!issue) return notFound(c);
    const body = bodyOf(c);
    if (body.state !== undefined && body.state !== 'open' && body.state !== 'closed') {
      return ghError(c, 422, 'Validation Failed');
    }
    const reasons = ['completed', 'not_planned', 'reopened', null];
    if (body.state_reason !== undefined && !reasons.includes(body.state_reason as string | null)) {
      return ghError(c, 422, 'Validation Failed');
    }
    if (body.state === 'open' || body.state === 'closed') issue.state = body.state;
    if (typeof body.title === 'string' && body.title !== '') issue.title = body.title;
    if (typeof body.body === 'string') issue.body = body.body;
    return c.json(issueJson(c, issue));
  });

  app.get('/repos/:owner/:repo/issues', (c) => {
    const wanted = c.req.query('state') ?? 'open';
    const labels = (c.req.query('labels') ?? '').split(',').filter((l) => l !== '');
    const listed = issuesOf(c).filter(
      (i) => (wanted === 'all' || i.state === wanted) && labels.every((l) => i.labels.includes(l)),
    );
    if (c.req.query('direction') === 'desc') listed.reverse();
    return c.json(paginate(c, listed).map((i) => issueJson(c, i)));
  });
}
