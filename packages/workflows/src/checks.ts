/**
 * The checks the workflows' signal guards are made of (`guards.ts`): the same rules as zod's,
 * written without it so the workflow bundle stays small (every workflow context evaluates what
 * it imports). A check reads one value at a path and returns it cleaned, or throws `Invalid`
 * naming the path and the problem, never the value. Like zod objects, `object` returns a copy
 * with only the known fields.
 */

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A check reads one value at `path` and returns it cleaned, or throws an Invalid. */
export type Check<T> = (value: unknown, path: string) => T;

export class Invalid extends Error {}

export function fail(path: string, problem: string): never {
  throw new Invalid(`${path || '(root)'}: ${problem}`);
}

export const at = (path: string, key: string) => (path ? `${path}.${key}` : key);

export const string =
  (min = 0, max = Number.POSITIVE_INFINITY): Check<string> =>
  (v, path) => {
    if (typeof v !== 'string') fail(path, 'expected a string');
    if (v.length < min) fail(path, `expected at least ${min} character(s)`);
    if (v.length > max) fail(path, `expected at most ${max} characters`);
    return v;
  };

export const positiveInt: Check<number> = (v, path) => {
  if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
    fail(path, 'expected a positive integer');
  }
  return v;
};

export const int: Check<number> = (v, path) => {
  if (typeof v !== 'number' || !Number.isInteger(v)) fail(path, 'expected an integer');
  return v;
};

export const boolean: Check<boolean> = (v, path) => {
  if (typeof v !== 'boolean') fail(path, 'expected a boolean');
  return v;
};

// An absolute URL with a scheme, as z.url() accepts for what the ingress sends.
const URL_RE = /^[a-z][a-z0-9+.-]*:\/\/[^\s]+$/i;
export const url: Check<string> = (v, path) => {
  const s = string(1)(v, path);
  if (!URL_RE.test(s)) fail(path, 'expected a URL');
  return s;
};

// z.iso.datetime({ offset: true }).
const DATETIME_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;
export const datetime: Check<string> = (v, path) => {
  const s = string()(v, path);
  if (!DATETIME_RE.test(s)) fail(path, 'expected an ISO date-time');
  return s;
};

export const literal =
  <L extends string>(...allowed: L[]): Check<L> =>
  (v, path) => {
    if (!allowed.includes(v as L)) fail(path, `expected one of ${allowed.join(', ')}`);
    return v as L;
  };

export const nullable =
  <T>(check: Check<T>): Check<T | null> =>
  (v, path) =>
    v === null ? null : check(v, path);

export const array =
  <T>(check: Check<T>, max = Number.POSITIVE_INFINITY): Check<T[]> =>
  (v, path) => {
    if (!Array.isArray(v)) fail(path, 'expected an array');
    if (v.length > max) fail(path, `expected at most ${max} items`);
    return v.map((item, i) => check(item, at(path, String(i))));
  };

type Shape = Record<string, Check<unknown>>;
type Out<S extends Shape> = { [K in keyof S]: ReturnType<S[K]> };

/** An object of these fields; `optional` ones may be absent (and then stay absent). */
export function object<S extends Shape, O extends Shape = Record<never, never>>(
  shape: S,
  optional?: O,
): Check<Out<S> & Partial<Out<O>>> {
  return (v, path) => {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'expected an object');
    const input = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    for (const [key, check] of Object.entries(shape)) out[key] = check(input[key], at(path, key));
    for (const [key, check] of Object.entries(optional ?? {})) {
      if (input[key] !== undefined) out[key] = check(input[key], at(path, key));
    }
    return out as Out<S> & Partial<Out<O>>;
  };
}

/** One of `checks`, picked by the input's `kind`. */
export function union<T>(checks: Record<string, Check<unknown>>, raw: unknown): Checked<T> {
  try {
    if (typeof raw !== 'object' || raw === null) fail('', 'expected an object');
    const kind = (raw as { kind?: unknown }).kind;
    const check = typeof kind === 'string' ? checks[kind] : undefined;
    if (!check) fail('kind', `expected one of ${Object.keys(checks).join(', ')}`);
    return { ok: true, value: check(raw, '') as T };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, reason: err.message };
    throw err;
  }
}

/** `check` applied to a whole input: its value, or why not. */
export function checked<T>(check: Check<T>, raw: unknown): Checked<T> {
  try {
    return { ok: true, value: check(raw, '') };
  } catch (err) {
    if (err instanceof Invalid) return { ok: false, reason: err.message };
    throw err;
  }
}
