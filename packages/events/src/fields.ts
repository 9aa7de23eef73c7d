/**
 * The fields the event schemas share (`index.ts`, `follow-through.ts`): who and where, the
 * delivery's envelope, a pull request and a workflow run as events carry them.
 */
import { z } from 'zod';

export const RepositorySchema = z.object({
  owner: z.string().min(1),
  name: z.string().min(1),
});
export type Repository = z.infer<typeof RepositorySchema>;

export const ActorSchema = z.object({
  login: z.string().min(1),
  id: z.number().int().positive(),
});
export type Actor = z.infer<typeof ActorSchema>;

export const base = {
  /** `X-GitHub-Delivery`; operator-sent events use `manual-<uuid>`. */
  deliveryId: z.string().min(1).max(200),
  receivedAt: z.iso.datetime({ offset: true }),
  /** Where the event happened (the pull request's repository for pull-request events). */
  repository: RepositorySchema,
  issueNumber: z.number().int().positive(),
  installationId: z.number().int().positive(),
  /**
   * The issue's repository, when a pull request of another repository closes it ("Fixes
   * owner/repo#12"): `issueNumber` is then an issue of this one.
   */
  issueRepository: RepositorySchema.optional(),
};

export const PullRequestRefSchema = z.object({ number: z.number().int().positive(), url: z.url() });

export const RunSchema = z.object({
  id: z.number().int().positive(),
  name: z.string(),
  path: z.string(),
  url: z.url(),
  headSha: z.string().min(7),
});

export const repoBase = {
  deliveryId: base.deliveryId,
  receivedAt: base.receivedAt,
  repository: RepositorySchema,
  installationId: base.installationId,
};
