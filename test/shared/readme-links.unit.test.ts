// A person who clones the repository must be able to follow every link of the
// README and of docs/: each relative link resolves to a file or folder inside
// the repository that a fresh clone has (not git-ignored), and a `#fragment`
// into a Markdown file names one of its headings.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');

function documents(): string[] {
  const docs = fs.existsSync(path.join(ROOT, 'docs'))
    ? fs.readdirSync(path.join(ROOT, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)
    : [];
  return ['README.md', ...docs.sort()];
}

/** Markdown without fenced code blocks and inline code spans (links there are examples, not links). */
function prose(markdown: string): string {
  return markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '').replace(/(`+)[\s\S]*?\1/g, '');
}

/** Targets of inline links and images, and of reference definitions. */
function linkTargets(markdown: string): string[] {
  const text = prose(markdown);
  const inline = [...text.matchAll(/!?\[(?:[^\]\\]|\\.)*\]\(\s*<?([^)\s>]+)>?(?:\s+["'(][^)]*)?\)/g)].map((m) => m[1]);
  const references = [...text.matchAll(/^ {0,3}\[[^\]]+\]:\s*<?(\S+?)>?(?:\s.*)?$/gm)].map((m) => m[1]);
  return [...inline, ...references];
}

/** GitHub's heading anchors (github-slugger): lower case, punctuation dropped, spaces to hyphens, repeats numbered. */
function headingAnchors(markdown: string): Set<string> {
  const anchors = new Set<string>();
  const seen = new Map<string, number>();
  const withoutCode = markdown.replace(/^(```|~~~)[^\n]*\n[\s\S]*?^\1[^\n]*$/gm, '');
  for (const m of withoutCode.matchAll(/^ {0,3}#{1,6}\s+(.+?)\s*#*\s*$/gm)) {
    const text = m[1]
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .replace(/[`*~]/g, '');
    const base = text
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

const isExternal = (target: string) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith('//');

/** Whether git would leave the path out of a clone (no git here: nothing is known to be ignored). */
function gitIgnored(relative: string): boolean {
  const r = spawnSync('git', ['check-ignore', '-q', '--', relative], { cwd: ROOT });
  return r.status === 0;
}

function problemsOf(doc: string): string[] {
  const file = path.join(ROOT, doc);
  const markdown = fs.readFileSync(file, 'utf8');
  const problems: string[] = [];
  for (const target of linkTargets(markdown)) {
    if (isExternal(target)) continue;
    const [rawPath, fragment] = target.split('#', 2);
    const resolved = rawPath ? path.resolve(path.dirname(file), decodeURI(rawPath)) : file;
    const relative = path.relative(ROOT, resolved);
    if (relative.startsWith('..') || path.isAbsolute(relative)) {
      problems.push(`${doc}: ${target} points outside the repository`);
      continue;
    }
    if (!fs.existsSync(resolved)) {
      problems.push(`${doc}: ${target} does not exist`);
      continue;
    }
    if (relative && gitIgnored(relative)) {
      problems.push(`${doc}: ${target} is git-ignored (a fresh clone does not have it)`);
      continue;
    }
    if (fragment && resolved.endsWith('.md') && !headingAnchors(fs.readFileSync(resolved, 'utf8')).has(fragment.toLowerCase())) {
      problems.push(`${doc}: ${target} names no heading of ${relative || doc}`);
    }
  }
  return problems;
}

describe('links of the README and docs/', () => {
  it('find every kind of Markdown link, and only outside code', () => {
    const sample = [
      'See [the API](docs/API.md#errors), ![a figure](docs/x.png "title") and [ref].',
      '[ref]: ./docs/ARCHITECTURE.md',
      '`[not a link](nowhere.md)`',
      '```sh',
      '[also not](nowhere.md)',
      '```',
    ].join('\n');
    expect(linkTargets(sample)).to.deep.equal(['docs/API.md#errors', 'docs/x.png', './docs/ARCHITECTURE.md']);
    expect([...headingAnchors('# Error codes\n## `GET /health` — liveness\n## Error codes')]).to.deep.equal([
      'error-codes',
      'get-health--liveness',
      'error-codes-1',
    ]);
  });

  it('include the docs the README points newcomers to', () => {
    const targets = linkTargets(fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8'));
    for (const doc of ['docs/API.md', 'docs/ARCHITECTURE.md', 'docs/DEPLOYMENT.md', 'docs/OPERATIONS.md', 'docs/CONFIGURATION.md']) {
      expect(targets.map((t) => t.split('#')[0].replace(/^\.\//, '')), doc).to.include(doc);
    }
  });

  for (const doc of documents()) {
    it(`resolve inside the repository: ${doc}`, () => {
      expect(problemsOf(doc)).to.deep.equal([]);
    });
  }
});
