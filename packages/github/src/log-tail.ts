/** At most this many bytes of a job log go into a forwarded message. */
export const LOG_TAIL_MAX_BYTES = 20 * 1024;

/** The timestamp GitHub Actions puts before every log line. */
const LINE_TIMESTAMP = /^\uFEFF?\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?Z ?/;

/**
 * The last `lines` lines of a job log, without GitHub's per-line timestamps (they cost tokens
 * and say nothing the agent needs), cut to the last `maxBytes` bytes of UTF-8.
 */
export function logTail(log: string, lines: number, maxBytes = LOG_TAIL_MAX_BYTES): string {
  const all = log.split(/\r?\n/);
  if (all.at(-1) === '') all.pop();
  const kept = lines > 0 ? all.slice(-lines) : [];
  const text = kept.map((line) => line.replace(LINE_TIMESTAMP, '')).join('\n');
  return lastBytes(text, maxBytes);
}

/** The end of `text` within `maxBytes` of UTF-8, starting on a whole line when one fits. */
function lastBytes(text: string, maxBytes: number): string {
  const bytes = Buffer.from(text, 'utf8');
  if (bytes.length <= maxBytes) return text;
  let start = bytes.length - maxBytes;
  // Never start inside a multi-byte character.
  while (start < bytes.length && ((bytes[start] ?? 0) & 0b1100_0000) === 0b1000_0000) start++;
  const tail = bytes.subarray(start).toString('utf8');
  if (bytes[start - 1] === 0x0a) return tail;
  const newline = tail.indexOf('\n');
  return newline >= 0 && newline < tail.length - 1 ? tail.slice(newline + 1) : tail;
}
