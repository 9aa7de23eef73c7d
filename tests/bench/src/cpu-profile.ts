/** V8 `.cpuprofile` files as the bench reads them (the profilers' shared part). */

export interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

export interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

/** A frame's URL without the pnpm store or checkout prefix. */
export function shortUrl(url: string): string {
  return url
    .replace(/^.*node_modules\/\.pnpm\/[^/]+\/node_modules\//, '')
    .replace(/^file:\/\/.*\/work\/[^/]+\//, '');
}

/** `function file:line` of a frame, as the tables print it. */
export function frameName(node: ProfileNode): string {
  const { functionName, url, lineNumber } = node.callFrame;
  return `${functionName || '(anonymous)'} ${shortUrl(url)}:${lineNumber + 1}`;
}

/**
 * Every sample with its time (µs), the node it hit and the node's ancestors, restricted to
 * the last `lastMs` of the profile when given (the fan-out at the end of a scale run).
 */
export function* samplesOf(
  profile: Profile,
  lastMs?: number,
): Generator<{ node: ProfileNode; micros: number; stack: ProfileNode[] }> {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, ProfileNode>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n);
  const from = lastMs === undefined ? -Infinity : profile.endTime - lastMs * 1000;
  let at = profile.startTime;
  for (let i = 0; i < profile.samples.length; i++) {
    const micros = profile.timeDeltas[i] ?? 0;
    at += micros;
    const node = byId.get(profile.samples[i] ?? -1);
    if (!node || at < from) continue;
    const stack: ProfileNode[] = [];
    for (let up = parent.get(node.id); up; up = parent.get(up.id)) stack.push(up);
    yield { node, micros, stack };
  }
}
