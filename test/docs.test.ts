import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('..', import.meta.url));
const pages = [
  'README.md',
  ...readdirSync(join(root, 'docs'))
    .filter((name) => name.endsWith('.md'))
    .map((name) => `docs/${name}`),
];

/** The README gets a person started; each feature's depth lives in docs/. */
const README_MAX_BYTES = 15 * 1024;

/** Markdown without fenced code blocks and inline code, where brackets are not links. */
function prose(markdown: string): string {
  return markdown.replace(/^```[\s\S]*?^```/gm, '').replace(/`[^`\n]*`/g, '');
}

/** The anchor a heading gets on GitHub: lower case, punctuation dropped, spaces as hyphens. */
function slug(heading: string): string {
  return heading
    .replace(/`/g, '')
    .toLowerCase()
    .replace(/[^\p{L}\p{M}\p{N}\p{Pc}\- ]/gu, '')
    .replace(/ /g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  for (const [, heading] of markdown
    .replace(/^```[\s\S]*?^```/gm, '')
    .matchAll(/^#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const base = slug(heading ?? '');
    const count = seen.get(base) ?? 0;
    seen.set(base, count + 1);
    anchors.add(count === 0 ? base : `${base}-${count}`);
  }
  return anchors;
}

/** Every relative link of a page that does not lead to a file (or a heading) in the repository. */
function brokenLinks(page: string, text = readFileSync(join(root, page), 'utf8')): string[] {
  const broken: string[] = [];
  for (const [, target] of prose(text).matchAll(/\]\(<?([^)\s>]+)>?(?:\s+"[^"]*")?\)/g)) {
    if (target === undefined || /^[a-z][a-z0-9+.-]*:/i.test(target)) continue;
    const [path = '', anchor] = target.split('#');
    const file = path === '' ? join(root, page) : join(root, dirname(page), decodeURI(path));
    if (!existsSync(file)) {
      broken.push(`${target}: no ${relative(root, file)}`);
      continue;
    }
    if (anchor === undefined || !file.endsWith('.md') || statSync(file).isDirectory()) continue;
    if (!anchorsOf(readFileSync(file, 'utf8')).has(decodeURIComponent(anchor)))
      broken.push(`${target}: ${relative(root, file)} has no heading #${anchor}`);
  }
  return broken;
}

describe('documentation', () => {
  it('keeps the README at most 15 KB, with the depth in docs/', () => {
    expect(statSync(join(root, 'README.md')).size).toBeLessThanOrEqual(README_MAX_BYTES);
  });

  it.each(pages)('%s links only to files and headings that exist', (page) => {
    expect(brokenLinks(page)).toEqual([]);
  });

  it('names a link to a missing file or heading, and leaves web links and code alone', () => {
    const text = [
      'See [the CLI](cli.md#plan---compare), [nothing](nowhere.md) and [no heading](design.md#6-more).',
      'Also [the web](https://example.com) and `[code](not-a-link.md)`.',
    ].join('\n');

    expect(brokenLinks('docs/example.md', text)).toEqual([
      'nowhere.md: no docs/nowhere.md',
      'design.md#6-more: docs/design.md has no heading #6-more',
    ]);
  });

  it('gives headings the anchors GitHub gives them', () => {
    const anchors = anchorsOf('# Title\n\n## §1 The mode policy\n\n## `plan --compare`\n\n## Title\n');

    expect([...anchors]).toEqual(['title', '1-the-mode-policy', 'plan---compare', 'title-1']);
  });
});
