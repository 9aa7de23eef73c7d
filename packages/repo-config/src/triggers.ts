/**
 * `[triggers]`: which ways of starting an agent a repository takes (issue 27, "more ways in").
 * Each kind defaults to on; `label` also names the label, since a repository that wants a
 * label of its own says which:
 *
 * ```toml
 * [triggers]
 * assign = true          # assigning the issue to the agent
 * mention = false        # @<agent> in a new issue, an edit that adds it, or a comment
 * label = "ai-please"    # this label instead of TRIGGER_LABEL; `false`: labels start nothing
 * ```
 */
import type { TriggerKind } from '@code-factory/events/kinds';
import { z } from 'zod';

/** GitHub caps label names at 50 characters. */
export const MAX_LABEL_LENGTH = 50;

export const TriggersSchema = z
  .object({
    assign: z
      .boolean()
      .default(true)
      .optional()
      .describe('Assigning an issue to the agent starts it.'),
    mention: z
      .boolean()
      .default(true)
      .optional()
      .describe(
        'Mentioning the agent (@login) in a new issue, in an edit that adds the mention, or in a comment on an issue without a task starts it.',
      ),
    label: z
      .union([
        z.boolean(),
        z
          .string()
          .trim()
          .min(1, 'must be a label name, true or false')
          .max(MAX_LABEL_LENGTH, `must be at most ${MAX_LABEL_LENGTH} characters`),
      ])
      .default(true)
      .optional()
      .describe(
        'Adding a label starts it: true takes the deployment label (TRIGGER_LABEL, default "code-factory"), a string names this repository\'s label instead, false turns labels off.',
      ),
  })
  .describe('Which ways of starting an agent this repository takes; all default to on.');

export type TriggersConfig = z.infer<typeof TriggersSchema>;

/** `[triggers]` with its defaults: the label's name, or null when labels start nothing. */
export interface ResolvedTriggers {
  assign: boolean;
  mention: boolean;
  label: string | null;
}

export function resolveTriggers(
  triggers: TriggersConfig | undefined,
  deploymentLabel: string,
): ResolvedTriggers {
  const label = triggers?.label ?? true;
  return {
    assign: triggers?.assign ?? true,
    mention: triggers?.mention ?? true,
    label: label === false ? null : label === true ? deploymentLabel : label,
  };
}

/** GitHub label names are unique in a repository regardless of case. */
export function sameLabel(a: string, b: string): boolean {
  return a.trim().toLowerCase() === b.trim().toLowerCase();
}

/**
 * Whether a start of this kind may go on here, and if not the sentence the worker logs. A
 * `label` start names the label that was added.
 */
export function triggerRefusal(
  triggers: ResolvedTriggers,
  start: { trigger: TriggerKind; label?: string | undefined },
): string | null {
  if (start.trigger === 'assign') {
    return triggers.assign ? null : 'assignment is turned off here (triggers.assign = false)';
  }
  if (start.trigger === 'mention') {
    return triggers.mention ? null : 'mentions are turned off here (triggers.mention = false)';
  }
  if (triggers.label === null) return 'labels are turned off here (triggers.label = false)';
  if (start.label === undefined || !sameLabel(start.label, triggers.label)) {
    return `label "${start.label ?? ''}" is not the trigger label here ("${triggers.label}")`;
  }
  return null;
}
