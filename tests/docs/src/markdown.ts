/** The markdown people read, its code and its headings. */
import { readdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { exists, root } from './repo';

/** Every markdown file people read: README, docs/, the folder notes and package READMEs. */
export function markdownFiles(): string[] {
  return [
    'README.md',
    ...readdirSync(resolve(root, 'docs'))
      .filter((f) => f.endsWith('.md'))
      .map((f) => `docs/${f}`),
    ...['apps', 'packages'].flatMap((top) =>
      readdirSync(resolve(root, top)).flatMap((dir) =>
        ['AGENTS.md', 'README.md']
          .map((name) => `${top}/${dir}/${name}`)
          .filter((path) => exists(path)),
      ),
    ),
  ];
}

/** Lines of fenced blocks and inline code spans: where commands are shown. */
export function codeLines(markdown: string): string[] {
  const fenced = [...markdown.matchAll(/^```[^\n]*\n([\s\S]*?)^```/gm)].map((m) => m[1] ?? '');
  const outside = markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '');
  const inline = [...outside.matchAll(/`([^`\n]+)`/g)].map((m) => m[1] ?? '');
  return [...fenced, ...inline].flatMap((block) => block.split('\n'));
}

/** The anchor GitHub gives a heading: lower case, punctuation dropped, spaces as dashes. */
export function anchorOf(heading: string): string {
  return heading
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{N} _-]/gu, '')
    .replace(/ /g, '-');
}

/** Anchors of a markdown file's headings (outside code blocks). */
export function anchorsOf(markdown: string): Set<string> {
  const prose = markdown.replace(/^```[^\n]*\n[\s\S]*?^```/gm, '');
  return new Set([...prose.matchAll(/^#{1,6} (.+)$/gm)].map((m) => anchorOf(m[1] ?? '')));
}
