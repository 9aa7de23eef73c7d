/** Finding the Coder user linked to a GitHub account: both backends act for the requester. */
import { ExternalError } from '@code-factory/errors';
import { z } from 'zod';
import type { CoderHttp } from './http';

const UserListSchema = z.object({
  users: z.array(z.object({ id: z.string(), username: z.string() })).nullable(),
});

/**
 * `GET /api/v2/users?q=github_com_user_id:<id>` finds users who sign in to Coder with GitHub.
 * Nobody linked: a user-fixable error that tells the requester what to do.
 */
export async function coderUserOfGitHubUser(
  http: CoderHttp,
  input: { githubUserId: number; githubLogin: string },
): Promise<{ owner: string; ownerId: string }> {
  const query = encodeURIComponent(`github_com_user_id:${input.githubUserId}`);
  const list = await http.json(UserListSchema, 'GET', `/api/v2/users?q=${query}`);
  const user = list.users?.[0];
  if (!user) {
    throw new ExternalError(`no Coder user for GitHub user id ${input.githubUserId}`, {
      kind: 'user_fixable',
      service: 'coder',
      userMessage: `@${input.githubLogin} has no Coder account linked to their GitHub account. Sign in to Coder with GitHub (or link GitHub in your Coder account settings), then reassign the issue to the agent.`,
    });
  }
  return { owner: user.username, ownerId: user.id };
}
