/**
 * CODEOWNERS: who owns the files a pull request changes, read the way GitHub does
 * (https://docs.github.com/en/repositories/managing-your-repositorys-settings-and-features/customizing-your-repository/about-code-owners):
 *
 *  - The file is `.github/CODEOWNERS`, else `CODEOWNERS`, else `docs/CODEOWNERS` (the first
 *    found, in that order), on the base branch.
 *  - Each line is a pattern and zero or more owners (`@user`, `@org/team`, or an email); `#`
 *    starts a comment. The **last** matching line wins, and a line without owners leaves the
 *    files it matches unowned.
 *  - Patterns follow gitignore with GitHub's exceptions: no `!` negation, no `[ ]` ranges, no
 *    `\#` escape (such lines are invalid, and GitHub skips invalid lines). Paths are case
 *    sensitive. A pattern with a `/` at the start or in the middle is anchored at the root,
 *    otherwise it matches at any depth; a trailing `/` matches a directory (everything below
 *    it); `*` and `?` stay within one path segment; `**` crosses segments; `docs/*` matches
 *    the files directly in `docs/`, not deeper ones.
 */

export interface CodeOwnersRule {
  pattern: string;
  /** As written, without the `@`: `alice`, `acme/platform`, `dev@example.com`. */
  owners: string[];
  /** 1-based line in the file. */
  line: number;
  matches: (path: string) => boolean;
}

export interface CodeOwnersFile {
  rules: CodeOwnersRule[];
  /** Lines GitHub would skip, with why. */
  invalid: { line: number; problem: string }[];
}

/** Where GitHub looks for the file, in order. */
export const CODEOWNERS_PATHS = ['.github/CODEOWNERS', 'CODEOWNERS', 'docs/CODEOWNERS'] as const;

const OWNER = /^@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\/[A-Za-z0-9._-]+)?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;

export function parseCodeOwners(text: string): CodeOwnersFile {
  const rules: CodeOwnersRule[] = [];
  const invalid: CodeOwnersFile['invalid'] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1;
    const trimmed = raw.trim();
    if (trimmed === '' || trimmed.startsWith('#')) return;
    const tokens = trimmed.split(/\s+/);
    const pattern = tokens[0] ?? '';
    const owners: string[] = [];
    for (const token of tokens.slice(1)) {
      if (token.startsWith('#')) break; // an inline comment
      owners.push(token);
    }
    const problem = patternProblem(pattern) ?? ownersProblem(owners);
    if (problem) {
      invalid.push({ line, problem });
      return;
    }
    rules.push({
      pattern,
      owners: owners.map((o) => (o.startsWith('@') ? o.slice(1) : o)),
      line,
      matches: matcher(pattern),
    });
  });
  return { rules, invalid };
}

function patternProblem(pattern: string): string | null {
  if (pattern.startsWith('!')) return 'negation (!) is not supported';
  if (/[[\]]/.test(pattern)) return 'character ranges ([ ]) are not supported';
  if (pattern.startsWith('\\#')) return 'escaping a leading # is not supported';
  return null;
}

function ownersProblem(owners: string[]): string | null {
  const bad = owners.filter((o) => !OWNER.test(o) && !EMAIL.test(o));
  return bad.length > 0 ? 'an owner is not @user, @org/team or an email' : null;
}

/** A gitignore-style pattern as a test on a repository path (`src/a.ts`, no leading slash). */
export function matcher(pattern: string): (path: string) => boolean {
  const directory = pattern.endsWith('/');
  const body = pattern.replace(/^\/+/, '').replace(/\/+$/, '');
  const anchored = pattern.startsWith('/') || body.includes('/');
  const oneLevel = body.endsWith('/*') || (body === '*' && anchored);
  let source = '';
  for (let i = 0; i < body.length; i++) {
    const ch = body[i] as string;
    if (ch === '*' && body[i + 1] === '*') {
      const atStart = i === 0 || body[i - 1] === '/';
      const slashAfter = body[i + 2] === '/';
      if (atStart && slashAfter) {
        source += '(?:.*/)?'; // `**/`: zero or more directories
        i += 2;
      } else {
        source += '.*';
        i += 1;
      }
    } else if (ch === '*') source += '[^/]*';
    else if (ch === '?') source += '[^/]';
    else source += ch.replace(/[.+^${}()|\\]/g, '\\$&');
  }
  const start = anchored ? '^' : '^(?:.*/)?';
  // A directory pattern owns everything below it; a name owns the file, or the directory's
  // contents; `dir/*` owns only the files directly inside.
  const end = directory ? '/.+$' : oneLevel ? '$' : '(?:/.+)?$';
  const regex = new RegExp(`${start}${source}${end}`);
  return (path) => regex.test(path.replace(/^\/+/, ''));
}

/** The owners of `path`: those of the last matching rule; none when no rule (or an ownerless one) matches. */
export function ownersOf(file: CodeOwnersFile, path: string): string[] {
  for (let i = file.rules.length - 1; i >= 0; i--) {
    const rule = file.rules[i] as CodeOwnersRule;
    if (rule.matches(path)) return rule.owners;
  }
  return [];
}

/** Every owner of any of `paths`, split into logins, teams (`org/slug`) and emails, in first-seen order. */
export function ownersOfPaths(
  file: CodeOwnersFile,
  paths: string[],
): { logins: string[]; teams: string[]; emails: string[]; unowned: string[] } {
  const logins = new Set<string>();
  const teams = new Set<string>();
  const emails = new Set<string>();
  const unowned: string[] = [];
  for (const path of paths) {
    const owners = ownersOf(file, path);
    if (owners.length === 0) unowned.push(path);
    for (const owner of owners) {
      if (owner.includes('@')) emails.add(owner);
      else if (owner.includes('/')) teams.add(owner);
      else logins.add(owner);
    }
  }
  return { logins: [...logins], teams: [...teams], emails: [...emails], unowned };
}
