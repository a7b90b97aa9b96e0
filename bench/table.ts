// Renders what the docs show of bench/results/*.json (npm run bench:table):
// the README's benchmark table and docs/CAPACITY.md's figures and arithmetic.
//   npx tsx bench/table.ts           rewrite both between their markers
//   npx tsx bench/table.ts --check   exit 1 if either does not match the files
import { renderDocs, staleDocs } from './lib/docs.js';

if (process.argv.includes('--check')) {
  const stale = staleDocs();
  for (const f of stale) process.stderr.write(`${f} differs from bench/results: run npm run bench:table\n`);
  process.exit(stale.length ? 1 : 0);
}
const changed = renderDocs();
process.stdout.write(changed.length ? `rendered from bench/results: ${changed.join(', ')}\n` : 'README.md and docs/CAPACITY.md already match bench/results\n');
