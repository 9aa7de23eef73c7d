/**
 * A small check of five-field cron expressions, run before Temporal sees them, so that most
 * mistakes are reported on the commit with the field that is wrong. Temporal still has the
 * last word when the schedule is created (its rejection is reported the same way).
 * Messages name the field and the rule, never the value from the file.
 */

interface Field {
  name: string;
  min: number;
  max: number;
  names?: readonly string[];
}

const FIELDS: readonly Field[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  {
    name: 'month',
    min: 1,
    max: 12,
    names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'],
  },
  // 0 and 7 are both Sunday.
  { name: 'day of week', min: 0, max: 7, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** The problem with `expression`, or null when it is a valid five-field cron expression. */
export function cronProblem(expression: string): string | null {
  const parts = expression.trim().split(/\s+/);
  if (parts.length !== 5 || parts[0] === '') return 'must be a cron expression with five fields';
  for (let i = 0; i < FIELDS.length; i++) {
    const field = FIELDS[i] as Field;
    if (!validField(parts[i] as string, field)) {
      return `${field.name} field must be *, a number from ${field.min} to ${field.max}${field.names ? ' or a name' : ''}, a range, a list or a step`;
    }
  }
  return null;
}

function validField(text: string, field: Field): boolean {
  return text.split(',').every((item) => validItem(item, field));
}

function validItem(item: string, field: Field): boolean {
  const [range, step, ...rest] = item.split('/');
  if (rest.length > 0 || range === undefined) return false;
  if (step !== undefined && !/^[1-9]\d{0,2}$/.test(step)) return false;
  if (range === '*') return true;
  const [from, to, ...more] = range.split('-');
  if (more.length > 0 || from === undefined) return false;
  const start = value(from, field);
  if (start === null) return false;
  if (to === undefined) return true;
  const end = value(to, field);
  return end !== null && start <= end;
}

function value(text: string, field: Field): number | null {
  if (/^\d{1,2}$/.test(text)) {
    const n = Number(text);
    return n >= field.min && n <= field.max ? n : null;
  }
  const index = field.names?.indexOf(text.toLowerCase()) ?? -1;
  if (index < 0) return null;
  return field.min === 1 ? index + 1 : index;
}
