/** Reads the config a repository workflow stores, through a Temporal query. */
import { repositoryWorkflowId } from '@code-factory/naming';
import { type RepoConfigState, repoConfigQuery } from '@code-factory/workflows';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';

export async function storedRepoConfig(
  client: Client,
  repository: { owner: string; name: string },
): Promise<RepoConfigState | null> {
  try {
    return await client.workflow.getHandle(repositoryWorkflowId(repository)).query(repoConfigQuery);
  } catch (err) {
    // No repository workflow yet (no push seen since install), or it is not running.
    if (err instanceof WorkflowNotFoundError) return null;
    if (err instanceof Error && /not found|completed/i.test(err.message)) return null;
    throw err;
  }
}
