/**
 * "Request reviewers for a pull request" `POST /repos/{owner}/{repo}/pulls/{pull_number}/requested_reviewers`
 * `{ reviewers?, team_reviewers? }` → 201 with the pull request (`requested_reviewers`,
 * `requested_teams`); 422 when a login is the pull request's author or not a collaborator
 * (someone with at least read access), or a team has no access to the repository. "Get all
 * requested reviewers for a pull request" `GET …/requested_reviewers` → `{ users, teams }`:
 * https://docs.github.com/en/rest/pulls/review-requests
 * Who may be requested: https://docs.github.com/en/pull-requests/collaborating-with-pull-requests/proposing-changes-to-your-work-with-pull-requests/requesting-a-pull-request-review
 */
import type { Hono } from 'hono';
import type { FakeEnv } from '../http-fake';
import { pullJson, teamJson } from './routes-pulls';
import {
  bodyObject,
  type GitHubState,
  ghError,
  notFound,
  ownerRepo,
  repoKey,
  userJson,
} from './state';

const strings = (value: unknown): string[] =>
  Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : [];

export function registerReviewRequestRoutes(app: Hono<FakeEnv>, state: GitHubState): void {
  app.post('/repos/:owner/:repo/pulls/:number/requested_reviewers', (c) => {
    const [owner, repo] = ownerRepo(c);
    const pull = state.pull(owner, repo, c.req.param('number'));
    if (!pull) return notFound(c);
    const body = bodyObject(c);
    const reviewers = strings(body.reviewers);
    const teams = strings(body.team_reviewers);
    if (reviewers.length === 0 && teams.length === 0) {
      return ghError(c, 422, 'Invalid request.\n\nNo reviewers or team_reviewers given.');
    }
    if (pull.author && reviewers.some((r) => r.toLowerCase() === pull.author?.toLowerCase())) {
      return ghError(c, 422, 'Review cannot be requested from pull request author.');
    }
    const permission = (login: string) =>
      state.permissions.get(`${repoKey(owner, repo)}:${login.toLowerCase()}`) ?? 'none';
    const strangers = reviewers.filter((login) => permission(login) === 'none');
    const orgTeam = (slug: string) => (slug.includes('/') ? slug : `${owner}/${slug}`);
    const teamsWithout = teams.filter(
      (slug) => !state.teams.has(`${repoKey(owner, repo)}:${orgTeam(slug).toLowerCase()}`),
    );
    if (strangers.length > 0 || teamsWithout.length > 0) {
      return ghError(
        c,
        422,
        `Reviews may only be requested from collaborators. One or more of the users or teams you specified is not a collaborator of the ${owner}/${repo} repository.`,
      );
    }
    for (const login of reviewers) {
      if (!pull.requestedReviewers.some((r) => r.toLowerCase() === login.toLowerCase())) {
        pull.requestedReviewers.push(login);
      }
    }
    for (const slug of teams.map(orgTeam)) {
      if (!pull.requestedTeams.includes(slug)) pull.requestedTeams.push(slug);
    }
    return c.json(pullJson(c, state, pull), 201);
  });

  app.get('/repos/:owner/:repo/pulls/:number/requested_reviewers', (c) => {
    const pull = state.pull(...ownerRepo(c), c.req.param('number'));
    if (!pull) return notFound(c);
    return c.json({
      users: pull.requestedReviewers.map((login) => userJson(login, state.idOf(login))),
      teams: pull.requestedTeams.map(teamJson),
    });
  });
}
