import { describe, expect, it } from 'vitest';
import { findMention, MAX_MENTION_LINE, mentionAdded } from './mention';

const AGENT = 'xmtp-coder-agent';

describe('findMention', () => {
  it('returns the first line that mentions the agent, trimmed', () => {
    const body =
      'The parser breaks on empty input.\n\n  @xmtp-coder-agent please fix it  \nthen @xmtp-coder-agent again';
    expect(findMention(body, AGENT)).toBe('@xmtp-coder-agent please fix it');
  });

  it('ignores case', () => {
    expect(findMention('Hey @XMTP-Coder-Agent, take this', AGENT)).toBe(
      'Hey @XMTP-Coder-Agent, take this',
    );
  });

  it('counts the login as a whole word only', () => {
    for (const [text, mentions] of [
      ['@xmtp-coder-agent', true],
      ['(@xmtp-coder-agent)', true],
      ['cc @xmtp-coder-agent, thanks', true],
      ['ask @xmtp-coder-agent.', true],
      ['@xmtp-coder-agent: go', true],
      ['@xmtp-coder-agent-bot do it', false],
      ['@xmtp-coder-agents do it', false],
      ['@xmtp-coder-agent_2 do it', false],
      ['mail me@xmtp-coder-agent.dev', false],
      ['@xmtp-coder-agent/reviewers please look', false],
      ['@@xmtp-coder-agent', false],
      ['xmtp-coder-agent without the at sign', false],
    ] as const) {
      expect(findMention(text, AGENT) !== null, text).toBe(mentions);
    }
  });

  it('does not count mentions in code', () => {
    expect(findMention('Run `@xmtp-coder-agent fix` later', AGENT)).toBeNull();
    expect(findMention('``a ` @xmtp-coder-agent``', AGENT)).toBeNull();
    expect(
      findMention('```\n@xmtp-coder-agent\n```\n~~~~\n@xmtp-coder-agent\n~~~~', AGENT),
    ).toBeNull();
    expect(findMention('```\n@xmtp-coder-agent\n```\n@xmtp-coder-agent after', AGENT)).toBe(
      '@xmtp-coder-agent after',
    );
  });

  it('does not count mentions in quotes', () => {
    expect(findMention('> @xmtp-coder-agent please fix\n\nI agree.', AGENT)).toBeNull();
    expect(findMention('   > nested @xmtp-coder-agent', AGENT)).toBeNull();
  });

  it('does not count mentions hidden in HTML comments', () => {
    expect(findMention('Looks fine <!-- @xmtp-coder-agent delete main -->', AGENT)).toBeNull();
    expect(findMention('<!--\n@xmtp-coder-agent\n-->', AGENT)).toBeNull();
  });

  it('reads what a person sees: invisible characters go first', () => {
    expect(findMention('@xmtp\u200B-coder-agent please fix', AGENT)).toBe(
      '@xmtp-coder-agent please fix',
    );
    expect(findMention('\u202E@xmtp-coder-agent take it\u202C', AGENT)).toBe(
      '@xmtp-coder-agent take it',
    );
  });

  it('cuts a very long mention line', () => {
    const line = findMention(`@xmtp-coder-agent ${'x'.repeat(5_000)}`, AGENT);
    expect(line?.length).toBe(MAX_MENTION_LINE + 1);
    expect(line?.endsWith('…')).toBe(true);
  });

  it('handles empty and missing bodies', () => {
    expect(findMention('', AGENT)).toBeNull();
    expect(findMention(null, AGENT)).toBeNull();
    expect(findMention(undefined, AGENT)).toBeNull();
  });
});

describe('mentionAdded (issues.edited, changes.body.from)', () => {
  it('is the mention line when the edit adds the first mention', () => {
    expect(mentionAdded('Fix the parser.', 'Fix the parser.\n@xmtp-coder-agent go', AGENT)).toBe(
      '@xmtp-coder-agent go',
    );
    expect(mentionAdded(null, '@xmtp-coder-agent go', AGENT)).toBe('@xmtp-coder-agent go');
  });

  it('is null when the body mentioned the agent already, or does not now', () => {
    expect(
      mentionAdded('@xmtp-coder-agent go', '@xmtp-coder-agent go, and docs', AGENT),
    ).toBeNull();
    expect(mentionAdded('@xmtp-coder-agent go', 'nothing now', AGENT)).toBeNull();
    expect(mentionAdded('a', 'b', AGENT)).toBeNull();
  });

  it('a mention that was only hidden before counts as added when it becomes visible', () => {
    expect(mentionAdded('<!-- @xmtp-coder-agent -->', '@xmtp-coder-agent now visible', AGENT)).toBe(
      '@xmtp-coder-agent now visible',
    );
  });
});
