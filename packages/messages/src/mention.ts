/**
 * A mention of the agent (`@<AGENT_GITHUB_USERNAME>`) in an issue's body or a comment: what
 * may start the task. Pure, used by the ingress.
 *
 * A mention counts when a person reading the rendered text sees it addressed to the agent:
 * the login as a whole word, in any case, after the text is cleaned (`clean.ts`: a mention
 * hidden in an HTML comment does not count), and not in code (fenced blocks, inline spans) or
 * in a quote (`> ...`, someone quoting an earlier message). Whole word: `@agent-bot`,
 * `name@agent.dev` and `@agent/team` are not mentions of `agent`.
 */
import { cleanText, closesFence, fenceOpening } from './clean';

/** A mention line longer than this is cut (it becomes the brief's first instruction). */
export const MAX_MENTION_LINE = 1_000;

function mentionPattern(login: string): RegExp {
  const escaped = login.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`(?<![\\w@/.\`-])@${escaped}(?![\\w-]|/\\w)`, 'i');
}

/**
 * The first line of `body` that mentions `login`, cleaned and trimmed (cut at
 * MAX_MENTION_LINE characters), or null when there is no mention.
 */
export function findMention(body: string | null | undefined, login: string): string | null {
  if (!body || !login) return null;
  const pattern = mentionPattern(login);
  let fence: { char: string; length: number } | null = null;
  for (const line of cleanText(body).text.split('\n')) {
    if (fence) {
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    const opened = fenceOpening(line);
    if (opened) {
      fence = opened;
      continue;
    }
    if (/^ {0,3}>/.test(line)) continue;
    if (pattern.test(withoutCodeSpans(line))) {
      const trimmed = line.trim();
      return trimmed.length > MAX_MENTION_LINE ? `${trimmed.slice(0, MAX_MENTION_LINE)}…` : trimmed;
    }
  }
  return null;
}

/**
 * An edit that adds a mention: the new body mentions `login` and the body before did not.
 * The mention line, or null (no mention, or one was there already).
 */
export function mentionAdded(
  before: string | null | undefined,
  after: string | null | undefined,
  login: string,
): string | null {
  const line = findMention(after, login);
  if (line === null) return null;
  return findMention(before, login) === null ? line : null;
}

/** The line with each inline code span blanked (a run of n backticks to the next run of n). */
function withoutCodeSpans(line: string): string {
  return line.replace(/(`+)(?:(?!\1)[\s\S])*?\1(?!`)/g, (span) => ' '.repeat(span.length));
}
