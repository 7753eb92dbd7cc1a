// Every relative link and #anchor of the README, CONTRIBUTING.md, docs/ and bench/README.md
// resolves: the file exists, and an anchor names a heading of the target page as GitHub slugs it.
// External links (a scheme such as https:) are not fetched.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const pages = [
  'README.md',
  'CONTRIBUTING.md',
  'bench/README.md',
  ...readdirSync(join(root, 'docs'), { recursive: true, encoding: 'utf8' })
    .filter((file) => file.endsWith('.md'))
    .map((file) => join('docs', file))
    .sort(),
];

/** The page's lines outside fenced code blocks (inside them, nothing is a link or a heading). */
function prose(text: string): string[] {
  let fence: string | undefined;
  return text.split('\n').map((line) => {
    const opening = /^\s*(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence === undefined && opening !== undefined) {
      fence = opening;
      return '';
    }
    if (fence !== undefined) {
      if (line.trim().startsWith(fence)) fence = undefined;
      return '';
    }
    return line;
  });
}

/** GitHub's heading slug: the rendered text, lower-cased, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
    .replace(/<[^>]+>/g, '')
    .replace(/[`*]/g, '')
    .trim()
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
    .replace(/ /g, '-');
}

/** The anchors a page defines: its heading slugs (repeats get -1, -2, …) and explicit HTML ids. */
function anchorsOf(text: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const line of prose(text)) {
    const heading = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line)?.[1];
    if (heading !== undefined) {
      const base = slug(heading);
      const repeat = seen.get(base) ?? 0;
      seen.set(base, repeat + 1);
      anchors.add(repeat === 0 ? base : `${base}-${repeat}`);
    }
    for (const [, id] of line.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(id);
  }
  return anchors;
}

/** The link targets of a page, with their line numbers; inline code spans are not links. */
function linksOf(text: string): { line: number; target: string }[] {
  const links: { line: number; target: string }[] = [];
  prose(text).forEach((line, index) => {
    const bare = line.replace(/(`+)[^`]*?\1/g, '');
    const targets = [
      ...[...bare.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)/g)].map((match) => match[1]),
      ...[...bare.matchAll(/^\s*\[[^\]]+\]:\s*(\S+)/g)].map((match) => match[1]),
      ...[...bare.matchAll(/<a\s+href="([^"]+)"/g)].map((match) => match[1]),
    ];
    for (const target of targets) links.push({ line: index + 1, target });
  });
  return links;
}

const anchorCache = new Map<string, Set<string>>();
function anchorsOfFile(file: string): Set<string> {
  let anchors = anchorCache.get(file);
  if (anchors === undefined) {
    anchors = anchorsOf(readFileSync(file, 'utf8'));
    anchorCache.set(file, anchors);
  }
  return anchors;
}

/** Why a link of `page` does not resolve, or undefined when it does. */
function brokenBecause(page: string, target: string): string | undefined {
  if (/^[a-z][a-z0-9+.-]*:/i.test(target)) return undefined; // https:, mailto:, …: not fetched
  const [path, fragment] = target.split('#', 2) as [string, string | undefined];
  const file = path === '' ? join(root, page) : resolve(root, dirname(page), decodeURI(path));
  if (!file.startsWith(root)) return 'points outside the repository';
  if (!existsSync(file)) return `${relative(root, file)} does not exist`;
  if (fragment === undefined || fragment === '') return undefined;
  if (statSync(file).isDirectory() || !file.endsWith('.md')) return `#${fragment} on a file that is not a page`;
  return anchorsOfFile(file).has(decodeURIComponent(fragment)) ? undefined : `no heading #${fragment} in ${relative(root, file)}`;
}

describe('documentation links', () => {
  it('checks every page there is', () => {
    expect(pages).toContain('docs/README.md');
    expect(pages.length).toBeGreaterThan(10);
  });

  it('slugs headings the way GitHub does', () => {
    expect(slug('In memory (`memory://`, `new MemoryTransport()`)')).toBe('in-memory-memory-new-memorytransport');
    expect(slug('Live events in the browser: the WebSocket bridge')).toBe('live-events-in-the-browser-the-websocket-bridge');
    expect(slug('Request / reply')).toBe('request--reply');
    expect(slug('Events, commands, queries, groups')).toBe('events-commands-queries-groups');
    expect([...anchorsOf('# Options\n## Options\n```\n# not a heading\n```\n### Options')]).toEqual(['options', 'options-1', 'options-2']);
  });

  it.each(pages)('%s: every relative link and #anchor resolves', (page) => {
    const links = linksOf(readFileSync(join(root, page), 'utf8'));
    const broken = links
      .map(({ line, target }) => ({ line, target, reason: brokenBecause(page, target) }))
      .filter(({ reason }) => reason !== undefined)
      .map(({ line, target, reason }) => `${page}:${line} ${target}: ${reason}`);
    expect(broken).toEqual([]);
  });
});
