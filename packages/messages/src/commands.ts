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
 * - `/agent` alone, an unknown verb or trailing words give `{ unknown }`: answer with the
 *   help reply. `/agents`, `/agent-stop` and `/agentstop` are not commands at all (`null`).
 * - Anything that is not `null` is a command comment: it is never forwarded to the agent.
 * - A flood of commands costs one reply per kind per window: every command comment gets the
 *   reaction, but a reply (an acknowledgement, or the help) is posted at most once per verb
 *   (help counts as one verb) per `COMMAND_REPLY_WINDOW_MS` on an issue (`commandReplyDue`).
 */
import { dollarsToMicros } from '@code-factory/repo-config/money';

export const AGENT_COMMANDS = ['stop', 'retry', 'status', 'release', 'budget'] as const;
export type AgentCommandName = (typeof AGENT_COMMANDS)[number];

export type ParsedCommand =
  | { command: Exclude<AgentCommandName, 'budget'>; note?: string }
  /** `/agent budget 50.00`: the issue's new cost limit, in micro-dollars (the one argument). */
  | { command: 'budget'; limitMicros: number; note?: string }
  /** Not a command we know; `unknown` is what followed `/agent` on the line ('' when nothing). */
  | { unknown: string };

/** A reason written under a command is kept up to this length. */
export const MAX_NOTE = 500;

const COMMAND_LINE = /^ {0,3}\/agent(?:[ \t]+(.*))?$/i;
/** `budget <amount>`: the only verb that takes an argument (an amount is not a sentence). */
const BUDGET = /^budget[ \t]+(\S+)$/i;

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
  const verb = rest.toLowerCase() as AgentCommandName;
  const budget = BUDGET.exec(rest);
  const limitMicros = budget ? dollarsToMicros(budget[1] as string) : null;
  if (budget && !(limitMicros && limitMicros > 0)) return { unknown: rest };
  if (!budget && (verb === 'budget' || !AGENT_COMMANDS.includes(verb))) return { unknown: rest };
  const note = lines
    .slice(first + 1)
    .join('\n')
    .trim()
    .slice(0, MAX_NOTE)
    .trim();
  if (limitMicros)
    return note ? { command: 'budget', limitMicros, note } : { command: 'budget', limitMicros };
  const command = verb as Exclude<AgentCommandName, 'budget'>;
  return note ? { command, note } : { command };
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

/** One short reply per command, posted once it is taken. */
export const COMMAND_REPLIES: Record<AgentCommandName, string> = {
  stop: '🛑 Stopping the agent’s current turn. It keeps its work; your next comment reaches it as usual.',
  retry: '🔁 Retrying the step that failed.',
  status: '🔄 The status comment is up to date.',
  budget: '💸 The cost limit of this issue is raised; waiting comments go on to the agent.',
  release:
    '👋 Releasing the agent: it is stopped and cleaned up, and the issue stays open. Assign the issue to the agent again to start a new one.',
};

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
    '- `/agent budget 50.00`: raise the issue’s cost limit (US dollars) and go on',
  ].join('\n');
}

/** What the user wrote, safe to echo inside backticks on one line. */
function oneLine(text: string): string {
  const flat = text.replace(/`/g, "'").replace(/\s+/g, ' ');
  return flat.length > 60 ? `${flat.slice(0, 57)}...` : flat;
}
