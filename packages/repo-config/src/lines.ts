/**
 * Finds the line of `.code-factory/config.toml` that an error path (`scheduled_jobs.2.schedule`)
 * points at, so a check run can annotate it. smol-toml gives no positions; this reads table
 * headers (`[sandbox]`, `[[scheduled_jobs]]`, counting repeats) and `key = ...` lines, and
 * picks the line whose path shares the longest prefix with the error's. Lines inside
 * multi-line strings are skipped. Null when nothing matches (the error is still listed).
 */
export function configLine(text: string, errorPath: string): number | null {
  const target = errorPath.split('.').filter((s) => s !== '');
  if (target.length === 0) return null;
  const arrayCounts = new Map<string, number>();
  let table: string[] = [];
  let inString: string | null = null;
  let best: { line: number; score: number } | null = null;

  const consider = (path: string[], line: number) => {
    let score = 0;
    while (score < path.length && score < target.length && path[score] === target[score]) score++;
    // A line whose path goes somewhere else after the shared part is a sibling, not a parent.
    if (score === 0 || (score < path.length && score < target.length)) return;
    if (!best || score > best.score) best = { line, score };
  };

  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const raw = lines[i] ?? '';
    if (inString) {
      if (count(raw, inString) % 2 === 1) inString = null;
      continue;
    }
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const arrayHeader = /^\[\[\s*([^\]]+?)\s*\]\]/.exec(line);
    if (arrayHeader?.[1]) {
      const name = keyPath(arrayHeader[1]);
      const key = name.join('.');
      const index = arrayCounts.get(key) ?? 0;
      arrayCounts.set(key, index + 1);
      table = [...name, String(index)];
      consider(table, i + 1);
      continue;
    }
    const header = /^\[\s*([^\]]+?)\s*\]/.exec(line);
    if (header?.[1]) {
      table = keyPath(header[1]);
      consider(table, i + 1);
      continue;
    }
    const assignment = /^([A-Za-z0-9_."' -]+?)\s*=\s*(.*)$/.exec(line);
    if (assignment?.[1]) {
      consider([...table, ...keyPath(assignment[1])], i + 1);
      const rest = assignment[2] ?? '';
      for (const quote of ['"""', "'''"]) {
        if (rest.startsWith(quote) && count(rest, quote) % 2 === 1) inString = quote;
      }
    }
  }
  return (best as { line: number } | null)?.line ?? null;
}

function keyPath(key: string): string[] {
  return key.split('.').map((part) => part.trim().replace(/^["']|["']$/g, ''));
}

function count(text: string, needle: string): number {
  return text.split(needle).length - 1;
}
