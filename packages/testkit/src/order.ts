/**
 * What is wrong with the order of `parts` in `text`: each must first appear after the one
 * before it (and, with `once`, appear only once). [] when all is well:
 * `expect(outOfOrder(text, parts)).toEqual([])`.
 */
export function outOfOrder(text: string, parts: string[], once = false): string[] {
  const wrong: string[] = [];
  let cursor = -1;
  for (const part of parts) {
    const at = text.indexOf(part);
    if (at < 0) wrong.push(`"${part}" missing`);
    else if (at < cursor) wrong.push(`"${part}" before the part ahead of it`);
    if (once && at >= 0 && text.indexOf(part, at + 1) >= 0) wrong.push(`"${part}" twice`);
    cursor = Math.max(cursor, at);
  }
  return wrong;
}
