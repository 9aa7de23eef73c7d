/**
 * Commands a trusted commenter writes on the issue (`/agent stop`, ...), and the replies to
 * them. Parsing only: the task workflow decides what each command does.
 *
 * The rules (each has a test in `commands.test.ts`):
 * - A command is the **first non-blank line** of the comment: `/agent <verb>`, where `/agent`
 *   and the verb are case-insensitive and separated by spaces or tabs. Up to three leading
 *   spaces are fine (Markdown still reads a paragraph); anything later in the comment is not
 *   a command, so quoting or mentioning one further down does nothing.
 * - Inside code or a quote it is not a command: a first line that opens a fenced block
 *   (```` ``` ```` or `~~~`), is indented code (a tab or four spaces), or is a `>` quote makes
 *   the whole comment an ordinary comment.
 * - **Words after the verb on the same line are refused** (`/agent stop please` → help
 *   reply, nothing done): a command that ends or stops an agent must not be guessed from a
 *   sentence like "/agent release the lock on main". A reason may follow on the next lines;
 *   it comes back as `note` (trimmed, at most `MAX_NOTE` characters).
 * - `/agent approve` and `/agent deny` (comments held for approval, from authors outside the
 *   trust list) take one optional word: the link of the held comment or review (its
 *   `html_url`, as GitHub's "Copy link" gives it; `<…>` around it is fine). It comes back as
 *   `target`; anything else after the verb is refused like trailing words.
 * - `/agent budget <amount>` needs exactly one word after the verb, an amount in US dollars
 *   above 0 (`50`, `50.00`): it comes back as `limitMicros`; no amount, a malformed one or
 *   more words give `{ unknown }`.
 * - `/agent` alone, an unknown verb or trailing words give `{ unknown }`: answer with the
 *   help reply. `/agents`, `/agent-stop` and `/agentstop` are not commands at all (`null`).
 * - Anything that is not `null` is a command comment: it is never forwarded to the agent.
 * - A flood of commands costs one reply per kind per window: every command comment gets the
 *   reaction, but a reply (an acknowledgement, or the help) is posted at most once per verb
 *   (help counts as one verb) per `COMMAND_REPLY_WINDOW_MS` on an issue (`commandReplyDue`).
 */
import { dollarsToMicros } from '@code-factory/repo-config/money';

export const AGENT_COMMANDS = [
  'stop',
  'retry',
  'status',
  'release',
  'approve',
  'deny',
  'budget',
] as const;
export type AgentCommandName = (typeof AGENT_COMMANDS)[number];

/** Commands that take the link of one held comment after the verb. */
const TARGETED: readonly AgentCommandName[] = ['approve', 'deny'];

export type ParsedCommand =
  /** `target`: `approve`/`deny` of one held comment, by its link (else all that wait). */
  | { command: Exclude<AgentCommandName, 'budget'>; note?: string; target?: string }
  /** `/agent budget 50.00`: the issue's new cost limit, in micro-dollars (the one argument). */
  | { command: 'budget'; limitMicros: number; note?: string }
  /** Not a command we know; `unknown` is what followed `/agent` on the line ('' when nothing). */
  | { unknown: string };

/** A reason written under a command is kept up to this length. */
export const MAX_NOTE = 500;

const COMMAND_LINE = /^ {0,3}\/agent(?:[ \t]+(.*))?$/i;

/** The command in a comment body, `{ unknown }` for a malformed one, or null for none. */
export function parseAgentCommand(body: string): ParsedCommand | null {
  const lines = body.replace(/^\uFEFF/, '').split(/\r\n|\r|\n/);
  const first = lines.findIndex((line) => line.trim() !== '');
  if (first < 0) return null;
  const line = lines[first] as string;
  // Indented code (four spaces or a tab) never matches COMMAND_LINE; quotes and fences start
  // with `>`, ``` or ~~~, which never match either.
  const match = COMMAND_LINE.exec(line.trimEnd());
  if (!match) return null;
  const rest = (match[1] ?? '').trim();
  const [word = '', ...args] = rest.split(/[ \t]+/);
  const verb = word.toLowerCase() as AgentCommandName;
  if (!AGENT_COMMANDS.includes(verb)) return { unknown: rest };
  let target: string | undefined;
  let limitMicros: number | null = null;
  if (verb === 'budget') {
    // The one verb that needs its argument: an amount (an amount is not a sentence).
    limitMicros = args.length === 1 ? dollarsToMicros(args[0] as string) : null;
    if (!(limitMicros && limitMicros > 0)) return { unknown: rest };
  } else if (args.length > 0) {
    target = TARGETED.includes(verb) && args.length === 1 ? linkOf(args[0] as string) : undefined;
    if (target === undefined) return { unknown: rest };
  }
  const note = lines
    .slice(first + 1)
    .join('\n')
    .trim()
    .slice(0, MAX_NOTE)
    .trim();
  if (limitMicros) return { command: 'budget', limitMicros, ...(note ? { note } : {}) };
  const command = verb as Exclude<AgentCommandName, 'budget'>;
  return { command, ...(target ? { target } : {}), ...(note ? { note } : {}) };
}

/** A comment's link as written after `approve`/`deny`: an http(s) URL, `<…>` allowed. */
function linkOf(word: string): string | undefined {
  const link = word.replace(/^<(.*)>$/, '$1');
  return /^https?:\/\/\S+$/i.test(link) && link.length <= 500 ? link : undefined;
}

/** At most one reply per command verb (or help) per issue within this window. */
export const COMMAND_REPLY_WINDOW_MS = 10 * 60_000;

/** When each kind of reply was last posted on the issue (ISO times); carried in task state. */
export type CommandReplyLog = Partial<Record<AgentCommandName | 'help', string>>;

/**
 * Whether this command's reply should be posted now, and the log to keep. Pure (the workflow
 * passes its own clock), so the same answer replays.
 */
export function commandReplyDue(
  log: CommandReplyLog,
  parsed: ParsedCommand,
  nowMs: number,
  windowMs = COMMAND_REPLY_WINDOW_MS,
): { reply: boolean; log: CommandReplyLog } {
  const kind = 'command' in parsed ? parsed.command : 'help';
  const last = log[kind];
  if (last !== undefined && nowMs - Date.parse(last) < windowMs) return { reply: false, log };
  return { reply: true, log: { ...log, [kind]: new Date(nowMs).toISOString() } };
}

/** The reaction a command comment gets once it is taken. */
export const COMMAND_REACTION = '+1';

/**
 * One short reply per command, posted once it is taken (`approve` and `deny` say what they
 * let through or dropped: `approvedReply`, `deniedReply`, `nothingHeldReply`).
 */
export const COMMAND_REPLIES: Record<Exclude<AgentCommandName, 'approve' | 'deny'>, string> = {
  stop: '🛑 Stopping the agent’s current turn. It keeps its work; your next comment reaches it as usual.',
  retry: '🔁 Retrying the step that failed.',
  status: '🔄 The status comment is up to date.',
  budget: '💸 The cost limit of this issue is raised; waiting comments go on to the agent.',
  release:
    '👋 Releasing the agent: it is stopped and cleaned up, and the issue stays open. Assign the issue to the agent again to start a new one.',
};

/** A comment or review held for approval, as the replies name it. */
export interface HeldRef {
  author: string;
  url: string;
}

/** `/agent approve` or `/agent deny` when nothing (or nothing at that link) waits. */
export function nothingHeldReply(target?: string): string {
  return target
    ? `No comment waiting for approval has the link ${target}. The status comment lists who waits; \`/agent approve\` alone lets all of them through.`
    : 'No comment waits for approval.';
}

/** The reply to `/agent approve`: what was let through, and in which order it goes. */
export function approvedReply(approved: readonly HeldRef[]): string {
  const what =
    approved.length === 1 && approved[0]
      ? `the comment from @${approved[0].author} (${approved[0].url})`
      : `${approved.length} comments (${byAuthor(approved)})`;
  return `✅ Approved ${what}: ${approved.length === 1 ? 'it reaches' : 'they reach'} the agent in the order written, with your name on ${approved.length === 1 ? 'it' : 'them'}.`;
}

/** The reply to `/agent deny`: what was dropped, said once. */
export function deniedReply(denied: readonly HeldRef[]): string {
  const what =
    denied.length === 1 && denied[0]
      ? `the comment from @${denied[0].author} (${denied[0].url})`
      : `${denied.length} comments (${byAuthor(denied)})`;
  return `🚫 Dropped ${what}: the agent will not see ${denied.length === 1 ? 'it' : 'them'}.`;
}

/** `from @a (2), @b` */
function byAuthor(refs: readonly HeldRef[]): string {
  const counts = new Map<string, number>();
  for (const ref of refs) counts.set(ref.author, (counts.get(ref.author) ?? 0) + 1);
  return `from ${[...counts].map(([author, n]) => (n === 1 ? `@${author}` : `@${author} (${n})`)).join(', ')}`;
}

/** `/agent stop` where the agent runs on Coder Tasks, which cannot be interrupted. */
export const STOP_ON_TASKS_REPLY =
  'This agent runs on Coder Tasks, which cannot be interrupted, so it keeps going. To end it, write `/agent release` or close the issue.';

/** `/agent stop` or `/agent status` before any agent runs for the issue. */
export const NO_AGENT_REPLY =
  'No agent runs for this issue yet. Assign the issue to the agent to start one.';

/** The reminder the `stuck-tasks` schedule has the task post, once per stuck period. */
export function stuckReminder(phase: string, since: string): string {
  const what: Record<string, string> = {
    starting: 'has been starting',
    queued: 'has been waiting for a free slot',
    failed: 'has been stopped on a failure',
    'waiting-for-budget': 'has been waiting for the Coder budget',
  };
  return `⏰ The agent of this issue ${what[phase] ?? `has been ${phase}`} since ${since}. The operators have been told; they can retry it, or write \`/agent release\` to end it.`;
}

/** `/agent budget` with a limit the issue has spent already. */
export function budgetTooLowReply(spent: string, limit: string): string {
  return `This issue has spent ${spent} already, so a limit of ${limit} would stop it again at once. Write a higher amount.`;
}

/** `/agent retry` when nothing has failed. */
export const NOTHING_TO_RETRY_REPLY = 'Nothing has failed, so there is nothing to retry.';

/** The reply to `/agent` alone, an unknown verb, or words after the verb. */
export function commandHelp(parsed?: { unknown: string }): string {
  const said = parsed?.unknown
    ? `\`/agent ${oneLine(parsed.unknown)}\` is not a command I know. `
    : '';
  return [
    `${said}Write one of these alone on the first line of a comment (a reason may follow on the next lines):`,
    '',
    '- `/agent stop`: stop the agent’s current turn',
    '- `/agent retry`: retry the step that failed',
    '- `/agent status`: refresh the status comment now',
    '- `/agent release`: end the agent without closing the issue',
    '- `/agent approve` or `/agent approve <comment link>`: let comments from outside the trust list (all, or one) reach the agent',
    '- `/agent deny` or `/agent deny <comment link>`: drop them (all, or one)',
    '- `/agent budget 50.00`: raise the issue’s cost limit (US dollars) and go on',
  ].join('\n');
}

/** What the user wrote, safe to echo inside backticks on one line. */
function oneLine(text: string): string {
  const flat = text.replace(/`/g, "'").replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}
