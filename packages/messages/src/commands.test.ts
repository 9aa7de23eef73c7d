import { describe, expect, it } from 'vitest';
import {
  AGENT_COMMANDS,
  approvedReply,
  COMMAND_REPLIES,
  COMMAND_REPLY_WINDOW_MS,
  type CommandReplyLog,
  commandHelp,
  commandReplyDue,
  deniedReply,
  MAX_NOTE,
  nothingHeldReply,
  parseAgentCommand,
  STOP_ON_TASKS_REPLY,
  stuckReminder,
} from './commands';

describe('parseAgentCommand', () => {
  it('reads each command on a line of its own at the start', () => {
    for (const command of AGENT_COMMANDS) {
      if (command === 'budget') continue; // takes an amount (cost.test.ts)
      expect(parseAgentCommand(`/agent ${command}`)).toEqual({ command });
    }
  });

  it('ignores case, surrounding blank lines, tabs, CRLF and up to three leading spaces', () => {
    expect(parseAgentCommand('/AGENT Stop')).toEqual({ command: 'stop' });
    expect(parseAgentCommand('\n\n  /agent\tstatus  \r\n')).toEqual({ command: 'status' });
    expect(parseAgentCommand('   /agent retry')).toEqual({ command: 'retry' });
    expect(parseAgentCommand('\uFEFF/agent release')).toEqual({ command: 'release' });
  });

  it('keeps what follows on the next lines as a note, trimmed and bounded', () => {
    expect(parseAgentCommand('/agent stop\r\nIt is looping on the tests.\n')).toEqual({
      command: 'stop',
      note: 'It is looping on the tests.',
    });
    const long = parseAgentCommand(`/agent release\n${'x'.repeat(MAX_NOTE * 2)}`);
    expect(long).toEqual({ command: 'release', note: 'x'.repeat(MAX_NOTE) });
  });

  it('refuses words after the verb on the same line (help, nothing done)', () => {
    expect(parseAgentCommand('/agent stop please')).toEqual({ unknown: 'stop please' });
    expect(parseAgentCommand('/agent release the lock on main')).toEqual({
      unknown: 'release the lock on main',
    });
  });

  it('takes the link of one held comment after approve and deny, and nothing else', () => {
    const link = 'https://github.com/acme/widgets/issues/7#issuecomment-123';
    expect(parseAgentCommand('/agent approve')).toEqual({ command: 'approve' });
    expect(parseAgentCommand(`/agent approve ${link}`)).toEqual({
      command: 'approve',
      target: link,
    });
    expect(parseAgentCommand(`/agent Deny <${link}>\nspam`)).toEqual({
      command: 'deny',
      target: link,
      note: 'spam',
    });
    expect(parseAgentCommand('/agent approve all of them')).toEqual({
      unknown: 'approve all of them',
    });
    expect(parseAgentCommand('/agent approve that-one')).toEqual({ unknown: 'approve that-one' });
    expect(parseAgentCommand(`/agent approve ${link} ${link}`)).toEqual({
      unknown: `approve ${link} ${link}`,
    });
    expect(parseAgentCommand(`/agent stop ${link}`)).toEqual({ unknown: `stop ${link}` });
  });

  it('answers /agent alone and unknown verbs with help', () => {
    expect(parseAgentCommand('/agent')).toEqual({ unknown: '' });
    expect(parseAgentCommand('/agent   ')).toEqual({ unknown: '' });
    expect(parseAgentCommand('/agent deploy')).toEqual({ unknown: 'deploy' });
  });

  it('is not a command later in the comment', () => {
    expect(parseAgentCommand('Thanks!\n/agent stop')).toBeNull();
    expect(parseAgentCommand('Please run /agent stop')).toBeNull();
  });

  it('is not a command in a fenced or indented code block or a quote', () => {
    expect(parseAgentCommand('```\n/agent stop\n```')).toBeNull();
    expect(parseAgentCommand('~~~\n/agent stop\n~~~')).toBeNull();
    expect(parseAgentCommand('    /agent stop')).toBeNull();
    expect(parseAgentCommand('\t/agent stop')).toBeNull();
    expect(parseAgentCommand('> /agent stop')).toBeNull();
    expect(parseAgentCommand('  > /agent stop\n\nagreed')).toBeNull();
    expect(parseAgentCommand('`/agent stop`')).toBeNull();
  });

  it('does not take other words that start like it', () => {
    for (const body of [
      '/agents stop',
      '/agent-stop',
      '/agentstop',
      'agent stop',
      '/ agent stop',
    ]) {
      expect(parseAgentCommand(body)).toBeNull();
    }
    expect(parseAgentCommand('')).toBeNull();
    expect(parseAgentCommand(' \n\t\n')).toBeNull();
  });
});

describe('command replies', () => {
  it('has one short acknowledgement per command', () => {
    for (const reply of Object.values(COMMAND_REPLIES)) {
      expect(reply.length).toBeLessThan(200);
      expect(reply).not.toContain('\n');
    }
    expect(Object.keys(COMMAND_REPLIES).sort()).toEqual(
      AGENT_COMMANDS.filter((c) => c !== 'approve' && c !== 'deny').sort(),
    );
    expect(STOP_ON_TASKS_REPLY).toContain('/agent release');
  });

  it('lists every command in the help and echoes what was written, safely', () => {
    const help = commandHelp();
    for (const command of AGENT_COMMANDS) expect(help).toContain(`\`/agent ${command}`);
    expect(help.startsWith('Write one of these')).toBe(true);
    expect(commandHelp({ unknown: 'stop please' })).toMatch(
      /^`\/agent stop please` is not a command I know\. Write one/,
    );
    // A backtick cannot end the code span early (which would let a mention or markup through).
    const sneaky = commandHelp({ unknown: 'x` @everyone `y' });
    expect(sneaky).toContain("`/agent x' @everyone 'y`");
    expect(commandHelp({ unknown: 'z'.repeat(200) })).toContain(`${'z'.repeat(50)}...`);
  });
});

describe('a flood of commands', () => {
  it('replies once per verb per window, and again after it', () => {
    const t0 = Date.parse('2026-01-01T00:00:00Z');
    let log: CommandReplyLog = {};
    const replies: boolean[] = [];
    const take = (body: string, at: number) => {
      const parsed = parseAgentCommand(body);
      if (!parsed) throw new Error(`not a command: ${body}`);
      const due = commandReplyDue(log, parsed, at);
      log = due.log;
      replies.push(due.reply);
    };
    for (let i = 0; i < 20; i++) take('/agent status', t0 + i * 1000);
    take('/agent stop', t0 + 30_000);
    take('/agent nonsense', t0 + 31_000);
    take('/agent', t0 + 32_000);
    take('/agent status', t0 + COMMAND_REPLY_WINDOW_MS);
    expect(replies).toEqual([true, ...Array(19).fill(false), true, true, false, true]);
    expect(log).toEqual({
      status: new Date(t0 + COMMAND_REPLY_WINDOW_MS).toISOString(),
      stop: new Date(t0 + 30_000).toISOString(),
      help: new Date(t0 + 31_000).toISOString(),
    });
  });
});

describe('approve and deny replies', () => {
  const mallory = {
    author: 'mallory',
    url: 'https://github.com/acme/widgets/issues/7#issuecomment-1',
  };
  const eve = { author: 'eve', url: 'https://github.com/acme/widgets/pull/8#pullrequestreview-2' };
  it('name what was let through or dropped, one by link or several by author', () => {
    expect(approvedReply([mallory])).toBe(
      `✅ Approved the comment from @mallory (${mallory.url}): it reaches the agent in the order written, with your name on it.`,
    );
    expect(approvedReply([mallory, eve, mallory])).toBe(
      '✅ Approved 3 comments (from @mallory (2), @eve): they reach the agent in the order written, with your name on them.',
    );
    expect(deniedReply([eve])).toBe(
      `🚫 Dropped the comment from @eve (${eve.url}): the agent will not see it.`,
    );
    expect(deniedReply([eve, mallory])).toBe(
      '🚫 Dropped 2 comments (from @eve, @mallory): the agent will not see them.',
    );
    expect(nothingHeldReply()).toBe('No comment waits for approval.');
    expect(nothingHeldReply(eve.url)).toContain(`has the link ${eve.url}.`);
  });
});

describe('stuckReminder', () => {
  it('names the phase in plain words and since when, and any other phase as it is', () => {
    expect(stuckReminder('waiting-for-budget', '2026-11-24T10:00:00.000Z')).toContain(
      'has been waiting for the Coder budget since 2026-11-24T10:00:00.000Z',
    );
    expect(stuckReminder('odd', 'x')).toContain('has been odd since x');
  });
});
