/** A repository of the fake GitHub, as the stack names one (`stack.repo`). */
export type Repo = { owner: string; name: string };

/**
 * Parameters of `samplePayloads` for issue `issueNumber` of `repo`: for a repository other than
 * the stack's (`stack.issue` gives its own).
 */
export const issueOf = (repo: Repo, issueNumber: number) => ({
  owner: repo.owner,
  repo: repo.name,
  issueNumber,
});
