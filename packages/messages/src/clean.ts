/**
 * Text from GitHub is cleaned before the agent reads it, the way GitHub's own coding agent
 * filters what it passes on ("hidden characters, like HTML comments, which are not displayed
 * to users": https://docs.github.com/en/copilot/concepts/agents/cloud-agent/risks-and-mitigations).
 * The rule: what a person reading the rendered issue cannot see, the agent does not get.
 *
 * - Invisible characters go everywhere, code included: zero-width characters, bidirectional
 *   controls, tag characters (U+E0000–E0FFF, "ASCII smuggling"), variation selectors, fillers,
 *   control characters. Kept: a zero-width joiner between two emoji and an emoji's own
 *   presentation selector, which render as one visible emoji.
 * - HTML comments go, across lines, and an unterminated `<!--` hides everything after it.
 *   Fenced code blocks and inline code spans are kept verbatim: GitHub shows a comment there
 *   as text. Anything we cannot tell is code (indented blocks, fences inside quotes or lists
 *   indented past three spaces) is treated as prose: when unsure, the comment goes.
 *
 * Pure and deterministic (it runs in workflow code): explicit code point ranges, no locale.
 * `clean.test.ts` holds the corpus of tricks it must defeat.
 */

/** What was taken out of a text, for the provenance line. */
export interface CleanReport {
  htmlComments: number;
  invisible: number;
}

export interface Cleaned {
  text: string;
  removed: CleanReport;
}

/**
 * Code points that render as nothing (Unicode's Default_Ignorable_Code_Point, spelt out so the
 * set does not change with the runtime's Unicode version), control characters, and the
 * interlinear annotation controls, which some renderers hide text behind.
 */
const INVISIBLE = new RegExp(
  `[${[
    '\\u0000-\\u0008',
    '\\u000B\\u000C',
    '\\u000E-\\u001F',
    '\\u007F-\\u009F',
    '\\u00AD',
    '\\u034F',
    '\\u061C',
    '\\u115F\\u1160',
    '\\u17B4\\u17B5',
    '\\u180B-\\u180F',
    '\\u200B-\\u200F',
    '\\u202A-\\u202E',
    '\\u2060-\\u206F',
    '\\u3164',
    '\\uFE00-\\uFE0F',
    '\\uFEFF',
    '\\uFFA0',
    '\\uFFF0-\\uFFFB',
    '\\u{1BCA0}-\\u{1BCA3}',
    '\\u{1D173}-\\u{1D17A}',
    '\\u{E0000}-\\u{E0FFF}',
  ].join('')}]`,
  'gu',
);

/** What may stand either side of a kept zero-width joiner, or before a kept selector. */
const EMOJI = /[\p{Extended_Pictographic}\p{Emoji_Modifier}]/u;
const ZWJ = '\u200D';
const PRESENTATION = new Set(['\uFE0E', '\uFE0F']);

/** Removes invisible characters; returns the text and how many went. */
export function removeInvisible(text: string): { text: string; removed: number } {
  let removed = 0;
  const normalised = text.replace(/\r\n?|[\u2028\u2029]/g, '\n');
  const out = normalised.replace(INVISIBLE, (char, offset: number) => {
    if (keptInEmoji(char, normalised, offset)) return char;
    removed++;
    return '';
  });
  return { text: out, removed };
}

function keptInEmoji(char: string, text: string, offset: number): boolean {
  const before = codePointBefore(text, offset);
  if (before === undefined || !EMOJI.test(before)) return false;
  if (PRESENTATION.has(char)) return true;
  if (char !== ZWJ) return false;
  const after = text.codePointAt(offset + 1);
  return after !== undefined && EMOJI.test(String.fromCodePoint(after));
}

function codePointBefore(text: string, offset: number): string | undefined {
  if (offset === 0) return undefined;
  const low = text.charCodeAt(offset - 1);
  if (low >= 0xdc00 && low <= 0xdfff && offset >= 2) {
    const point = text.codePointAt(offset - 2);
    if (point !== undefined && point > 0xffff) return String.fromCodePoint(point);
  }
  return text[offset - 1];
}

/** A fence line: up to three spaces, then three or more backticks or tildes. */
const FENCE = /^ {0,3}(`{3,}|~{3,})/;

/** The code fence a line opens, if any (a backtick fence's info string has no backtick). */
export function fenceOpening(line: string): { char: string; length: number } | null {
  const match = FENCE.exec(line);
  const run = match?.[1];
  if (!run) return null;
  const char = run[0] as string;
  if (char === '`' && line.slice((match?.index ?? 0) + (match?.[0].length ?? 0)).includes('`')) {
    return null;
  }
  return { char, length: run.length };
}

/** Whether `line` closes a fence opened with `fence`. */
export function closesFence(line: string, fence: { char: string; length: number }): boolean {
  const match = /^ {0,3}(`{3,}|~{3,})\s*$/.exec(line);
  const run = match?.[1];
  return run !== undefined && run[0] === fence.char && run.length >= fence.length;
}

/** Removes HTML comments outside code; returns the text and how many comments went. */
export function removeHtmlComments(text: string): { text: string; removed: number } {
  const out: string[] = [];
  let fence: { char: string; length: number } | null = null;
  // Inside a comment: the text of the line it started on, before it (joined to what follows it).
  let before: string | null = null;
  let removed = 0;
  for (const line of text.split('\n')) {
    if (fence) {
      out.push(line);
      if (closesFence(line, fence)) fence = null;
      continue;
    }
    let rest = line;
    let prefix = '';
    if (before !== null) {
      const end = rest.indexOf('-->');
      if (end < 0) continue;
      prefix = before;
      before = null;
      rest = rest.slice(end + 3);
    } else {
      const opened = fenceOpening(line);
      if (opened) {
        fence = opened;
        out.push(line);
        continue;
      }
    }
    const scanned = prose(rest);
    removed += scanned.comments;
    const kept = prefix + scanned.text;
    if (scanned.open) {
      before = kept;
      continue;
    }
    // A line that held only a comment leaves no blank line behind.
    if (kept.trim() === '' && (prefix !== '' || scanned.comments > 0 || line !== rest)) continue;
    out.push(kept);
  }
  if (before !== null && before.trim() !== '') out.push(before);
  return { text: out.join('\n'), removed };
}

/**
 * One line outside fences: code spans copied, comments removed. `open`: a comment starts on
 * this line and does not end on it.
 */
function prose(line: string): { text: string; comments: number; open: boolean } {
  let text = '';
  let comments = 0;
  let i = 0;
  while (i < line.length) {
    if (line[i] === '`') {
      let n = 1;
      while (line[i + n] === '`') n++;
      const close = closingRun(line, i + n, n);
      const end = close < 0 ? i + n : close + n;
      text += line.slice(i, end);
      i = end;
      continue;
    }
    if (line.startsWith('<!--', i)) {
      comments++;
      // `<!-->` and `<!--->` are comments too, as browsers read them.
      const end = line.indexOf('-->', i + 2);
      if (end < 0) return { text, comments, open: true };
      i = end + 3;
      continue;
    }
    text += line[i];
    i++;
  }
  return { text, comments, open: false };
}

/** Index of the next run of exactly `n` backticks from `from`, or -1. */
function closingRun(line: string, from: number, n: number): number {
  let i = line.indexOf('`', from);
  while (i >= 0) {
    let run = 1;
    while (line[i + run] === '`') run++;
    if (run === n) return i;
    i = line.indexOf('`', i + run);
  }
  return -1;
}

/**
 * Cleans a text for the agent. `verbatim` (CI log tails, which are code): invisible characters
 * only, nothing else touched.
 */
export function cleanText(text: string, options: { verbatim?: boolean } = {}): Cleaned {
  const visible = removeInvisible(text);
  if (options.verbatim) {
    return { text: visible.text, removed: { htmlComments: 0, invisible: visible.removed } };
  }
  const comments = removeHtmlComments(visible.text);
  return {
    text: comments.text,
    removed: { htmlComments: comments.removed, invisible: visible.removed },
  };
}

/** Who wrote an item the agent reads, and who let it through when it was held. */
export interface Provenance {
  /** GitHub login, without `@`; or an operator's name when `operator` is set. */
  author: string;
  /** GitHub's `author_association` (OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE, ...). */
  association?: string | undefined;
  /** The trusted commenter who approved an item held for approval. */
  approvedBy?: string | undefined;
  /** Written by the people running the service (the `sendMessage` update), not on GitHub. */
  operator?: boolean;
}

/**
 * The one provenance line every forwarded item carries: author, association, approver, and
 * what cleaning removed, e.g. `- Author: @alice (MEMBER), approved by @bob; hidden text removed: 1 HTML comment`.
 */
export function provenanceLine(p: Provenance, removed?: CleanReport): string {
  const who = p.operator ? `${p.author} (operator)` : `@${p.author}`;
  const association = !p.operator && p.association ? ` (${p.association.toUpperCase()})` : '';
  const approved = p.approvedBy ? `, approved by @${p.approvedBy}` : '';
  return `- Author: ${who}${association}${approved}${removedNote(removed)}`;
}

function removedNote(removed: CleanReport | undefined): string {
  if (!removed) return '';
  const parts: string[] = [];
  if (removed.htmlComments > 0) {
    parts.push(`${removed.htmlComments} HTML comment${removed.htmlComments === 1 ? '' : 's'}`);
  }
  if (removed.invisible > 0) {
    parts.push(`${removed.invisible} invisible character${removed.invisible === 1 ? '' : 's'}`);
  }
  return parts.length ? `; hidden text removed: ${parts.join(', ')}` : '';
}

/** The sum of two reports (an item made of several texts). */
export function addReports(a: CleanReport, b: CleanReport): CleanReport {
  return { htmlComments: a.htmlComments + b.htmlComments, invisible: a.invisible + b.invisible };
}
